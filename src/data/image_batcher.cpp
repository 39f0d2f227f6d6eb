// ImageBatcher: per-epoch order, per-sample streams, building one augmented batch,
// and the save_to_dir writer shared by flow() and flow_from_directory().
#include "petal/data/image_batcher.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>
#include <set>

#include "data/augment_ops.h"
#include "petal/core/error.h"
#include "petal/data/image.h"
#include "petal/data/image_data_generator.h"
#include "petal/data/image_io.h"

namespace petal {

ImageBatcher::ImageBatcher(std::string context, std::string name, int64_t num_samples,
                           BatcherOptions options)
    : context_(std::move(context)), name_(std::move(name)), n_(num_samples),
      options_(std::move(options)) {
  if (options_.batch_size < 1)
    throw ConfigError(context_ + ": batch_size must be >= 1; received " +
                      std::to_string(options_.batch_size) + ".");
  if (!options_.save_to_dir.empty()) {
    static const std::set<std::string> kFormats{"png", "jpeg", "jpg", "bmp"};
    if (!kFormats.count(options_.save_format))
      throw ConfigError(context_ + ": save_format must be one of png, jpeg, jpg, bmp; received '" +
                        options_.save_format + "'.");
    std::error_code ec;
    std::filesystem::create_directories(options_.save_to_dir, ec);
    if (ec)
      throw IoError(context_ + ": cannot create save_to_dir '" + options_.save_to_dir +
                    "': " + ec.message() + ".");
  }
  seed_ = options_.seed ? *options_.seed
                        : (static_cast<uint64_t>(std::random_device{}()) << 32) ^
                              std::random_device{}();
}

void ImageBatcher::check_fitted(const ImageDataGenerator& generator, const std::string& context) {
  const auto& o = generator.options();
  if ((o.featurewise_center || o.featurewise_std_normalization) && !generator.fitted())
    throw StateError(context + ": the ImageDataGenerator uses featurewise normalization but "
                     "fit() has not been called.\nHint: call fit(x_train) on the generator first.");
}

int64_t ImageBatcher::size() const { return (n_ + options_.batch_size - 1) / options_.batch_size; }

std::shared_ptr<const std::vector<int64_t>> ImageBatcher::order_for(int64_t epoch) const {
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

std::vector<int64_t> ImageBatcher::batch_indices(int64_t epoch, int64_t index) const {
  if (index < 0 || index >= size() || epoch < 0)
    throw ConfigError(name_ + ": asked for batch " + std::to_string(index) + " of epoch " +
                      std::to_string(epoch) + ", but an epoch has " + std::to_string(size()) +
                      " batches (indices 0.." + std::to_string(size() - 1) +
                      ") and epochs start at 0.");
  const auto order = order_for(epoch);
  const int64_t begin = index * options_.batch_size;
  const int64_t end = std::min(n_, begin + options_.batch_size);
  return {order->begin() + begin, order->begin() + end};
}

Rng ImageBatcher::sample_rng(int64_t epoch, int64_t position) const {
  return Rng(seed_).fork(2 * static_cast<uint64_t>(epoch) + 1).fork(static_cast<uint64_t>(position));
}

Tensor ImageBatcher::make_x(const ImageDataGenerator& generator, int64_t epoch, int64_t index,
                            const Shape& hwc, const SampleSource& source,
                            std::vector<int64_t>& kept) const {
  const std::vector<int64_t> samples = batch_indices(epoch, index);
  const int64_t begin = index * options_.batch_size;
  const auto row = static_cast<size_t>(num_elements(hwc));
  Tensor x(with_batch(static_cast<int64_t>(samples.size()), hwc));
  kept.clear();
  std::vector<float> scratch;
  const Rng epoch_rng = Rng(seed_).fork(2 * static_cast<uint64_t>(epoch) + 1);
  for (size_t i = 0; i < samples.size(); ++i) {
    const std::span<const float> src = source(samples[i], scratch);
    if (src.empty()) continue;
    Rng rng = epoch_rng.fork(static_cast<uint64_t>(begin) + i);
    const auto dst = x.values().subspan(kept.size() * row, row);
    generator.apply_transform(src, hwc, generator.get_random_transform(hwc, rng), dst);
    generator.standardize(dst, hwc);
    if (!options_.save_to_dir.empty()) save(dst, hwc, samples[i], rng.below(10000));
    kept.push_back(samples[i]);
  }
  if (kept.size() < samples.size()) x = x.slice(0, static_cast<int64_t>(kept.size()));
  return x;
}

void ImageBatcher::on_epoch_end() {
  epoch_.fetch_add(1);
  next_batch_ = 0;
}

void ImageBatcher::set_epoch(int64_t epoch) {
  epoch_.store(epoch);
  next_batch_ = 0;
}

void ImageBatcher::seek(int64_t batches) {
  if (batches < 0) throw ConfigError(name_ + ": cannot seek to batch " + std::to_string(batches) + "; expected >= 0.");
  epoch_.store(batches / size());
  next_batch_ = batches % size();
}

std::pair<int64_t, int64_t> ImageBatcher::advance() {
  const std::pair<int64_t, int64_t> at{epoch_.load(), next_batch_};
  if (++next_batch_ == size()) on_epoch_end();
  return at;
}

void ImageBatcher::save(std::span<const float> image, const Shape& hwc, int64_t index,
                        uint64_t hash) const {
  const std::string name = options_.save_prefix + "_" + std::to_string(index) + "_" +
                           std::to_string(hash) + "." + options_.save_format;
  write_scaled_image(image, hwc,
                     (std::filesystem::path(options_.save_to_dir) / name).string(),
                     context_ + "(save_to_dir)");
}

void write_scaled_image(std::span<const float> image, const Shape& hwc, const std::string& path,
                        const std::string& context) {
  Image img{hwc.at(0), hwc.at(1), hwc.at(2), std::vector<uint8_t>(image.size())};
  detail::scale_to_uint8(image, img.pixels);
  try {
    write_image(path, img);
  } catch (const Error& e) {
    throw IoError(context + ": cannot write '" + path + "': " + e.what());
  }
}

}  // namespace petal
