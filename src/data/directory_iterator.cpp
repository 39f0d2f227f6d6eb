// DirectoryIterator: the per-class subset split, decoding through the loader and the
// cache, the on_error policy, and y per class_mode.
#include "petal/data/directory_iterator.h"

#include <atomic>
#include <exception>
#include <filesystem>
#include <iostream>
#include <thread>

#include "petal/core/error.h"
#include "petal/data/image_data_generator.h"

namespace petal {

namespace {

void check_list(const ImageList& list, const std::string& context) {
  if (list.labels.size() != list.paths.size())
    throw ConfigError(context + ": expected one label per file; received " +
                      std::to_string(list.labels.size()) + " labels for " +
                      std::to_string(list.paths.size()) + " files.");
  for (size_t i = 0; i < list.labels.size(); ++i) {
    if (list.labels[i] < 0 || list.labels[i] >= list.num_classes())
      throw ConfigError(context + ": expected labels in [0, " +
                        std::to_string(list.num_classes()) + ") (one per class name); received " +
                        std::to_string(list.labels[i]) + " for '" + list.paths[i] + "'.");
  }
}

// Keras: each class's files [0, int(v * n_c)) are the validation subset, the rest training.
ImageList split_per_class(const ImageList& list, Subset subset, double split,
                          const std::string& context) {
  if (subset == Subset::None) return list;
  const char* name = subset == Subset::Validation ? "validation" : "training";
  if (split <= 0)
    throw ConfigError(context + ": subset='" + name + "' needs ImageDataGeneratorOptions."
                      "validation_split in (0, 1); received 0.\nHint: set validation_split, "
                      "or pass Subset::None.");
  const std::vector<int64_t> counts = list.class_counts();
  std::vector<int64_t> seen(counts.size(), 0);
  std::vector<int64_t> keep;
  for (size_t i = 0; i < list.paths.size(); ++i) {
    const auto c = static_cast<size_t>(list.labels[i]);
    const auto cut = static_cast<int64_t>(split * static_cast<double>(counts[c]));  // int()
    const bool in_validation = seen[c]++ < cut;
    if (in_validation == (subset == Subset::Validation)) keep.push_back(static_cast<int64_t>(i));
  }
  if (keep.empty())
    throw DataError(context + ": subset='" + name + "' holds no files: int(validation_split * "
                    "files of each class) leaves it empty.\nHint: use a larger data set or "
                    "another validation_split.");
  return list.subset(keep);
}

std::string relative_name(const std::string& path, const std::string& directory) {
  if (directory.empty()) return path;
  const std::string rel = std::filesystem::path(path).lexically_relative(directory).string();
  return rel.empty() || rel.rfind("..", 0) == 0 ? path : rel;
}

}  // namespace

DirectoryIterator::DirectoryIterator(std::shared_ptr<const ImageDataGenerator> generator,
                                     ImageList list, DirectoryFlowOptions options,
                                     std::string directory)
    : generator_(std::move(generator)), options_(std::move(options)),
      context_(directory.empty() ? "flow_from_list" : "flow_from_directory('" + directory + "')") {
  if (!generator_) throw ConfigError(context_ + ": the ImageDataGenerator is null.");
  const ImageSize& t = options_.target_size;
  if (t.height < 1 || t.width < 1)
    throw ConfigError(context_ + ": target_size must be positive (height, width); received (" +
                      std::to_string(t.height) + ", " + std::to_string(t.width) + ").");
  if (options_.cache_budget_bytes < 0)
    throw ConfigError(context_ + ": cache_budget_bytes must be >= 0; received " +
                      std::to_string(options_.cache_budget_bytes) + ".");
  check_list(list, context_);
  if (options_.class_mode == ClassMode::Binary && list.num_classes() != 2) {
    std::string names;
    for (const std::string& n : list.class_names) names += (names.empty() ? "" : ", ") + n;
    throw ConfigError(context_ + ": class_mode 'binary' needs exactly 2 classes; received " +
                      std::to_string(list.num_classes()) + " (" + names + ").\nHint: use "
                      "'categorical' or 'sparse', or name two classes in `classes`.");
  }
  list = split_per_class(list, options_.subset, generator_->options().validation_split, context_);
  if (list.size() == 0)
    throw DataError(context_ + ": expected image files; found none.");
  ImageBatcher::check_fitted(*generator_, context_);
  paths_ = std::move(list.paths);
  labels_ = std::move(list.labels);
  class_names_ = std::move(list.class_names);
  for (size_t i = 0; i < class_names_.size(); ++i)
    class_indices_[class_names_[i]] = static_cast<int64_t>(i);
  for (const std::string& p : paths_) filenames_.push_back(relative_name(p, directory));
  hwc_ = {t.height, t.width, channels_of(options_.color_mode)};
  setup_cache();
  batcher_ = std::make_unique<ImageBatcher>(
      context_, "DirectoryIterator", static_cast<int64_t>(paths_.size()),
      BatcherOptions{.batch_size = options_.batch_size,
                     .shuffle = options_.shuffle,
                     .seed = options_.seed,
                     .save_to_dir = options_.save_to_dir,
                     .save_prefix = options_.save_prefix,
                     .save_format = options_.save_format});
}

void DirectoryIterator::setup_cache() {
  if (options_.cache != nullptr) {
    cache_ = options_.cache;
  } else {
    const int64_t need = static_cast<int64_t>(paths_.size()) * num_elements(hwc_);
    const CacheMode mode = options_.cache_mode;
    if (mode == CacheMode::On || (mode == CacheMode::Auto && need <= options_.cache_budget_bytes)) {
      own_cache_ = std::make_unique<ImageCache>(options_.cache_budget_bytes);
      cache_ = own_cache_.get();
    }
  }
  LoaderOptions lo;
  lo.decode = {.target_size = options_.target_size,
               .color_mode = options_.color_mode,
               .interpolation = options_.interpolation,
               .keep_aspect_ratio = options_.keep_aspect_ratio,
               .reduced_decode = options_.reduced_decode};
  lo.on_error = OnError::Raise;
  lo.cache = cache_;
  loader_ = std::make_unique<ImageLoader>(std::move(lo));
}

std::shared_ptr<const Image> DirectoryIterator::load(int64_t index) const {
  const std::string& path = paths_[static_cast<size_t>(index)];
  {
    std::lock_guard<std::mutex> lock(bad_mutex_);
    if (bad_.count(index)) return nullptr;
  }
  try {
    std::shared_ptr<const Image> image = loader_->load(path);
    if (image->shape() != hwc_)
      throw DataError("'" + path + "' decoded to " + to_string(image->shape()) + "; expected " +
                      to_string(hwc_) + ".");
    return image;
  } catch (const DataError& e) {
    if (options_.on_error == OnError::Raise)
      throw DataError(context_ + ": " + e.what() + "\nHint: set on_error = OnError::Skip to "
                      "leave unreadable files out.");
    std::lock_guard<std::mutex> lock(bad_mutex_);
    if (bad_.insert(index).second) {
      SkippedFile skipped{path, e.what()};
      if (options_.on_skip) {
        options_.on_skip(skipped);
      } else {
        std::cerr << "petal: skipped '" << path << "': " << e.what() << '\n';
      }
      skipped_.push_back(std::move(skipped));
    }
    return nullptr;
  }
}

Batch DirectoryIterator::batch(int64_t epoch, int64_t index) const {
  const auto row = static_cast<size_t>(num_elements(hwc_));
  const ImageBatcher::SampleSource source =
      [&](int64_t i, std::vector<float>& scratch) -> std::span<const float> {
    const std::shared_ptr<const Image> image = load(i);
    if (!image) return {};
    scratch.resize(row);
    copy_to_floats(*image, scratch.data());
    return scratch;
  };
  std::vector<int64_t> kept;
  Batch b;
  b.x = batcher_->make_x(*generator_, epoch, index, hwc_, source, kept);
  if (kept.empty())
    throw DataError(context_ + ": every file of batch " + std::to_string(index) + " of epoch " +
                    std::to_string(epoch) + " was unreadable and skipped (first: '" +
                    paths_[static_cast<size_t>(batch_indices(epoch, index).front())] +
                    "').\nHint: remove the unreadable files (see skipped()).");
  b.y = targets(kept, b.x);
  return b;
}

Tensor DirectoryIterator::targets(const std::vector<int64_t>& kept, const Tensor& x) const {
  const auto n = static_cast<int64_t>(kept.size());
  auto label = [&](int64_t r) { return labels_[static_cast<size_t>(kept[static_cast<size_t>(r)])]; };
  switch (options_.class_mode) {
    case ClassMode::Categorical: {
      const int64_t k = num_classes();
      Tensor y({n, k});
      for (int64_t r = 0; r < n; ++r) y[r * k + label(r)] = 1.0f;
      return y;
    }
    case ClassMode::Sparse:
    case ClassMode::Binary: {
      Tensor y(options_.class_mode == ClassMode::Sparse ? Shape{n} : Shape{n, 1});
      for (int64_t r = 0; r < n; ++r) y[r] = static_cast<float>(label(r));
      return y;
    }
    case ClassMode::Input: return x;
    case ClassMode::None: break;
  }
  return {};
}

Batch DirectoryIterator::get(int64_t index) { return batch(batcher_->epoch(), index); }

Batch DirectoryIterator::next() {
  const auto [epoch, index] = batcher_->advance();
  return batch(epoch, index);
}

std::vector<SkippedFile> DirectoryIterator::skipped() const {
  std::lock_guard<std::mutex> lock(bad_mutex_);
  return skipped_;
}

int64_t DirectoryIterator::preload(int threads) {
  if (cache_ == nullptr)
    throw ConfigError(context_ + ": preload() needs a cache, and this iterator has none "
                      "(cache_mode Off, or Auto with " + std::to_string(samples()) + " images of " +
                      to_string(hwc_) + " over cache_budget_bytes).\nHint: pass cache_mode On "
                      "or a larger budget.");
  if (threads < 1)
    throw ConfigError(context_ + ": preload expects threads >= 1; received " +
                      std::to_string(threads) + ".");
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  auto work = [&] {
    for (int64_t i = next++; i < samples() && !stop.load(); i = next++) {
      try {
        load(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        stop.store(true);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return cache_->stats().entries;
}

}  // namespace petal
