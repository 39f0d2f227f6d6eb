// NumpyArrayIterator: subset split, per-epoch order, deterministic per-sample
// augmentation, and optional saving of augmented samples with OpenCV.
#include "petal/data/numpy_array_iterator.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>
#include <set>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "data/augment_ops.h"
#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/data/image_data_generator.h"

namespace petal {

namespace {

std::set<float> unique_values(const Tensor& t, int64_t begin, int64_t end) {
  const int64_t row = t.row_size();
  return {t.data() + begin * row, t.data() + end * row};
}

// Keras's flow(subset=...): validation = the first int(n * split) rows.
void split_subset(Tensor& x, Tensor& y, Tensor& sw, const FlowOptions& o, double split) {
  if (o.subset == Subset::None) return;
  const char* name = o.subset == Subset::Validation ? "validation" : "training";
  if (split <= 0)
    throw ConfigError(std::string("flow: subset='") + name +
                      "' needs ImageDataGeneratorOptions.validation_split in (0, 1); received "
                      "0.\nHint: set validation_split, or pass Subset::None.");
  const int64_t n = x.dim(0);
  const auto k = static_cast<int64_t>(static_cast<double>(n) * split);  // Python int()
  if (!y.empty() && !o.ignore_class_split &&
      unique_values(y, 0, k) != unique_values(y, k, n))
    throw DataError("flow: training and validation subsets have different sets of y values "
                    "after the split (validation = first " + std::to_string(k) + " of " +
                    std::to_string(n) + " samples).\nHint: if x is sorted by label, shuffle "
                    "it first; or set FlowOptions.ignore_class_split.");
  const bool val = o.subset == Subset::Validation;
  const int64_t begin = val ? 0 : k, end = val ? k : n;
  if (begin == end)
    throw DataError(std::string("flow: subset='") + name + "' is empty: int(" +
                    std::to_string(n) + " * validation_split) = " + std::to_string(k) + ".");
  x = x.slice(begin, end);
  if (!y.empty()) y = y.slice(begin, end);
  if (!sw.empty()) sw = sw.slice(begin, end);
}

void check_rows(const Tensor& t, int64_t n, const char* name, const Tensor& x) {
  if (t.empty()) return;
  if (t.rank() < 1 || t.dim(0) != n)
    throw DataError(std::string("flow: x (images) and ") + name +
                    " should have the same length; received x.shape = " + to_string(x.shape()) +
                    ", " + name + ".shape = " + to_string(t.shape()) + ".");
}

}  // namespace

NumpyArrayIterator::NumpyArrayIterator(std::shared_ptr<const ImageDataGenerator> generator,
                                       Tensor x, Tensor y, FlowOptions options)
    : generator_(std::move(generator)),
      x_(std::move(x)),
      y_(std::move(y)),
      sample_weight_(std::move(options.sample_weight)),
      options_(std::move(options)) {
  options_.sample_weight = Tensor();
  if (!generator_) throw ConfigError("flow: the ImageDataGenerator is null.");
  if (x_.rank() != 4)
    throw ShapeError("flow: expected x of rank 4 [N, H, W, C]; received " +
                     to_string(x_.shape()) + ".");
  if (options_.batch_size < 1)
    throw ConfigError("flow: batch_size must be >= 1; received " +
                      std::to_string(options_.batch_size) + ".");
  check_rows(y_, x_.dim(0), "y", x_);
  check_rows(sample_weight_, x_.dim(0), "sample_weight", x_);
  const auto& gopt = generator_->options();
  split_subset(x_, y_, sample_weight_, options_, gopt.validation_split);
  n_ = x_.dim(0);
  if (n_ < 1 || x_.dim(1) < 1 || x_.dim(2) < 1 || x_.dim(3) < 1)
    throw DataError("flow: x holds no images; received shape " + to_string(x_.shape()) + ".");
  if ((gopt.featurewise_center || gopt.featurewise_std_normalization) && !generator_->fitted())
    throw StateError("flow: the ImageDataGenerator uses featurewise normalization but fit() "
                     "has not been called.\nHint: call fit(x_train) before flow().");
  if (!options_.save_to_dir.empty()) {
    static const std::set<std::string> kFormats{"png", "jpeg", "jpg", "bmp"};
    if (!kFormats.count(options_.save_format))
      throw ConfigError("flow: save_format must be one of png, jpeg, jpg, bmp; received '" +
                        options_.save_format + "'.");
    std::error_code ec;
    std::filesystem::create_directories(options_.save_to_dir, ec);
    if (ec)
      throw IoError("flow: cannot create save_to_dir '" + options_.save_to_dir +
                    "': " + ec.message() + ".");
  }
  seed_ = options_.seed ? *options_.seed
                        : (static_cast<uint64_t>(std::random_device{}()) << 32) ^
                              std::random_device{}();
}

int64_t NumpyArrayIterator::size() const {
  return (n_ + options_.batch_size - 1) / options_.batch_size;
}

std::shared_ptr<const std::vector<int64_t>> NumpyArrayIterator::order_for(int64_t epoch) const {
  std::lock_guard<std::mutex> lock(order_mutex_);
  if (cached_epoch_ != epoch || !cached_order_) {
    std::vector<int64_t> order;
    if (options_.shuffle) {
      order = Rng(seed_).fork(2 * static_cast<uint64_t>(epoch)).permutation(n_);
    } else {
      order.resize(static_cast<size_t>(n_));
      std::iota(order.begin(), order.end(), 0);
    }
    cached_order_ = std::make_shared<const std::vector<int64_t>>(std::move(order));
    cached_epoch_ = epoch;
  }
  return cached_order_;
}

std::vector<int64_t> NumpyArrayIterator::batch_indices(int64_t epoch, int64_t index) const {
  if (index < 0 || index >= size() || epoch < 0)
    throw ConfigError("NumpyArrayIterator: asked for batch " + std::to_string(index) +
                      " of epoch " + std::to_string(epoch) + ", but an epoch has " +
                      std::to_string(size()) + " batches (indices 0.." +
                      std::to_string(size() - 1) + ") and epochs start at 0.");
  const auto order = order_for(epoch);
  const int64_t begin = index * options_.batch_size;
  const int64_t end = std::min(n_, begin + options_.batch_size);
  return {order->begin() + begin, order->begin() + end};
}

Batch NumpyArrayIterator::batch(int64_t epoch, int64_t index) const {
  const std::vector<int64_t> rows = batch_indices(epoch, index);
  const int64_t begin = index * options_.batch_size;
  const Shape hwc{x_.dim(1), x_.dim(2), x_.dim(3)};
  const auto row = static_cast<size_t>(x_.row_size());
  Batch b;
  b.x = Tensor(with_batch(static_cast<int64_t>(rows.size()), hwc));
  const Rng epoch_rng = Rng(seed_).fork(2 * static_cast<uint64_t>(epoch) + 1);
  for (size_t i = 0; i < rows.size(); ++i) {
    Rng rng = epoch_rng.fork(static_cast<uint64_t>(begin) + i);
    const auto src = x_.values().subspan(static_cast<size_t>(rows[i]) * row, row);
    const auto dst = b.x.values().subspan(i * row, row);
    generator_->apply_transform(src, hwc, generator_->get_random_transform(hwc, rng), dst);
    generator_->standardize(dst, hwc);
    if (!options_.save_to_dir.empty()) save(dst.data(), rows[i], rng.below(10000));
  }
  if (!y_.empty()) b.y = y_.gather(rows);
  if (!sample_weight_.empty()) b.sample_weight = sample_weight_.gather(rows);
  return b;
}

Batch NumpyArrayIterator::get(int64_t index) { return batch(epoch_.load(), index); }

void NumpyArrayIterator::on_epoch_end() {
  epoch_.fetch_add(1);
  next_batch_ = 0;
}

void NumpyArrayIterator::set_epoch(int64_t epoch) {
  epoch_.store(epoch);
  next_batch_ = 0;
}

Batch NumpyArrayIterator::next() {
  Batch b = batch(epoch_.load(), next_batch_);
  if (++next_batch_ == size()) on_epoch_end();
  return b;
}

void NumpyArrayIterator::save(const float* image, int64_t row, uint64_t hash) const {
  const int h = static_cast<int>(x_.dim(1)), w = static_cast<int>(x_.dim(2));
  const int c = static_cast<int>(x_.dim(3));
  const size_t n = static_cast<size_t>(h) * w * c;
  cv::Mat mat(h, w, CV_8UC(c));
  detail::scale_to_uint8({image, n}, {mat.data, n});
  if (c >= 3)  // RGB(A) -> BGR(A)
    for (size_t p = 0; p < n; p += c) std::swap(mat.data[p], mat.data[p + 2]);
  const std::string name = options_.save_prefix + "_" + std::to_string(row) + "_" +
                           std::to_string(hash) + "." + options_.save_format;
  const std::string path = (std::filesystem::path(options_.save_to_dir) / name).string();
  bool ok = false;
  try {
    ok = cv::imwrite(path, mat);
  } catch (const cv::Exception& e) {
    throw IoError("flow(save_to_dir): cannot write '" + path + "': " + e.what());
  }
  if (!ok) throw IoError("flow(save_to_dir): cannot write '" + path + "'.");
}

}  // namespace petal
