// NumpyArrayIterator: the subset split and row checks of flow(); order, per-sample
// augmentation and saving are ImageBatcher's.
#include "petal/data/numpy_array_iterator.h"

#include <set>
#include <string>

#include "petal/core/error.h"
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
      sample_weight_(std::move(options.sample_weight)) {
  if (!generator_) throw ConfigError("flow: the ImageDataGenerator is null.");
  if (x_.rank() != 4)
    throw ShapeError("flow: expected x of rank 4 [N, H, W, C]; received " +
                     to_string(x_.shape()) + ".");
  if (options.batch_size < 1)
    throw ConfigError("flow: batch_size must be >= 1; received " +
                      std::to_string(options.batch_size) + ".");
  check_rows(y_, x_.dim(0), "y", x_);
  check_rows(sample_weight_, x_.dim(0), "sample_weight", x_);
  split_subset(x_, y_, sample_weight_, options, generator_->options().validation_split);
  const int64_t n = x_.dim(0);
  if (n < 1 || x_.dim(1) < 1 || x_.dim(2) < 1 || x_.dim(3) < 1)
    throw DataError("flow: x holds no images; received shape " + to_string(x_.shape()) + ".");
  ImageBatcher::check_fitted(*generator_, "flow");
  batcher_ = std::make_unique<ImageBatcher>(
      "flow", "NumpyArrayIterator", n,
      BatcherOptions{.batch_size = options.batch_size,
                     .shuffle = options.shuffle,
                     .seed = options.seed,
                     .save_to_dir = std::move(options.save_to_dir),
                     .save_prefix = std::move(options.save_prefix),
                     .save_format = std::move(options.save_format)});
}

Batch NumpyArrayIterator::batch(int64_t epoch, int64_t index) const {
  const Shape hwc{x_.dim(1), x_.dim(2), x_.dim(3)};
  const auto row = static_cast<size_t>(x_.row_size());
  const ImageBatcher::SampleSource source = [&](int64_t i, std::vector<float>&) {
    return x_.values().subspan(static_cast<size_t>(i) * row, row);
  };
  std::vector<int64_t> rows;
  Batch b;
  b.x = batcher_->make_x(*generator_, epoch, index, hwc, source, rows);
  if (!y_.empty()) b.y = y_.gather(rows);
  if (!sample_weight_.empty()) b.sample_weight = sample_weight_.gather(rows);
  return b;
}

Batch NumpyArrayIterator::get(int64_t index) { return batch(batcher_->epoch(), index); }

Batch NumpyArrayIterator::next() {
  const auto [epoch, index] = batcher_->advance();
  return batch(epoch, index);
}

}  // namespace petal
