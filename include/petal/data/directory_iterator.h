// ImageDataGenerator.flow_from_directory: batches of augmented images decoded from
// labelled files (class folders or the Flowers-17 archive), as a Sequence and a Generator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "petal/core/tensor.h"
#include "petal/data/dataset_layout.h"
#include "petal/data/image_batcher.h"
#include "petal/data/image_cache.h"
#include "petal/data/image_list.h"
#include "petal/data/image_loader.h"
#include "petal/data/numpy_array_iterator.h"
#include "petal/data/sequence.h"

namespace petal {

class ImageDataGenerator;

// Keras's class_mode: the y of each batch (K classes, N images in the batch).
//   Categorical  one-hot [N, K]          Sparse  label [N]
//   Binary       label [N, 1], needs K == 2 (Keras does not check; petal throws)
//   Input        y = x (a copy of the augmented, standardized batch; autoencoders)
//   None         y empty (prediction)
enum class ClassMode { Categorical, Sparse, Binary, Input, None };
std::string to_string(ClassMode mode);                  // Keras's spelling: "categorical", ...
ClassMode parse_class_mode(const std::string& name);  // the same names ("none" for None)

// Where decoded images are kept between epochs when DirectoryFlowOptions::cache is null.
//   Auto  the iterator owns an ImageCache of cache_budget_bytes when every image
//         fits it (samples * H * W * C bytes <= budget), else it decodes every time;
//   On    it owns one whatever the size (it stops storing when full);
//   Off   no cache: every epoch decodes again.
// With the default 1 GiB budget Auto caches Flowers-17 (1360 images) up to about
// 512x512 RGB; at 64x64 it holds 16 MiB.
enum class CacheMode { Auto, On, Off };

// flow_from_directory's arguments, Keras's defaults, plus petal's own (below the line).
struct DirectoryFlowOptions {
  ImageSize target_size{256, 256};
  ColorMode color_mode = ColorMode::Rgb;
  // Explicit class list (label i = classes[i]); empty: every class folder, sorted.
  std::vector<std::string> classes{};
  ClassMode class_mode = ClassMode::Categorical;
  int64_t batch_size = 32;
  bool shuffle = true;  // off: files in list order (class by class, sorted names)
  std::optional<uint64_t> seed{};  // unset: std::random_device
  std::string save_to_dir{};       // see FlowOptions
  std::string save_prefix{};
  std::string save_format = "png";
  bool follow_links = false;
  // With the generator's validation_split v: Validation keeps the FIRST int(v * n_c)
  // files of each class c (in list order), Training the rest.
  Subset subset = Subset::None;
  Interpolation interpolation = Interpolation::Nearest;  // Keras's default
  bool keep_aspect_ratio = false;                        // Keras 1.1.2
  // ---- petal ----
  // libjpeg's reduced decode when the target is much smaller (DecodeOptions).
  bool reduced_decode = true;
  // Unknown: detect_layout(directory) picks ImageFolder or Flowers17.
  DatasetLayout layout = DatasetLayout::Unknown;
  // A shared cache (not owned, must outlive the iterator); overrides cache_mode.
  ImageCache* cache = nullptr;
  CacheMode cache_mode = CacheMode::Auto;
  int64_t cache_budget_bytes = ImageCache::kDefaultBudgetBytes;
  // Raise: an unreadable file throws DataError naming it from get().
  // Skip: it is reported once (on_skip, or a line on stderr), left out of its batch
  // (which is then shorter) and never tried again; a batch left with no image
  // throws DataError.
  OnError on_error = OnError::Raise;
  std::function<void(const SkippedFile&)> on_skip{};
};

// Lists `directory` as flow_from_directory does: class folders (list_image_folder,
// skipping hidden folders) or the Flowers-17 archive (list_flowers17, classes in
// alphabetical order), as `layout` says (Unknown: detect_layout). `classes`, when
// given, picks and orders the classes in either layout; follow_links applies to
// class folders only. DataError names the
// directory when it is missing, holds neither layout, or lacks a listed class.
ImageList list_flow_directory(const std::string& directory,
                              const std::vector<std::string>& classes = {},
                              bool follow_links = false,
                              DatasetLayout layout = DatasetLayout::Unknown);

// Keras's DirectoryIterator. Order and random streams are ImageBatcher's (the same
// as NumpyArrayIterator's), so batch(e, i) is a pure function of (seed, e, i) and
// the files, and get() may run on several threads at once. Decoding goes through an
// ImageLoader (and the cache), then each image gets the generator's random transform
// and standardize.
class DirectoryIterator : public Sequence, public Generator {
 public:
  // `list` holds every file of every class; the subset split is applied here.
  // `directory` (may be empty) names the source in errors and makes filenames()
  // relative to it.
  DirectoryIterator(std::shared_ptr<const ImageDataGenerator> generator, ImageList list,
                    DirectoryFlowOptions options, std::string directory = "");

  int64_t size() const override { return batcher_->size(); }
  Batch get(int64_t index) override;
  void on_epoch_end() override { batcher_->on_epoch_end(); }
  void set_epoch(int64_t epoch) override { batcher_->set_epoch(epoch); }
  // Walks the current epoch's batches, then the next epoch's, forever.
  Batch next() override;

  // Batch `index` of epoch `epoch`, whatever the current epoch is.
  Batch batch(int64_t epoch, int64_t index) const;
  // The files (indices into filenames()) of batch `index` of epoch `epoch`.
  std::vector<int64_t> batch_indices(int64_t epoch, int64_t index) const {
    return batcher_->batch_indices(epoch, index);
  }
  // Decodes every file not yet cached with `threads` threads (under on_error), so
  // the first epoch does not decode; returns how many images the cache now holds.
  // ConfigError when the iterator has no cache.
  int64_t preload(int threads = 1);

  // Keras's attributes.
  int64_t samples() const { return batcher_->num_samples(); }
  int64_t num_classes() const { return static_cast<int64_t>(class_names_.size()); }
  const std::map<std::string, int64_t>& class_indices() const { return class_indices_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  const std::vector<std::string>& filenames() const { return filenames_; }  // relative
  const std::vector<std::string>& filepaths() const { return paths_; }
  const std::vector<int64_t>& classes() const { return labels_; }  // label per file
  ClassMode class_mode() const { return options_.class_mode; }
  Shape image_shape() const { return hwc_; }  // [H, W, C]

  int64_t epoch() const { return batcher_->epoch(); }
  uint64_t seed() const { return batcher_->seed(); }
  // The cache in use (shared or owned); nullptr when decoding every time.
  ImageCache* cache() const { return cache_; }
  // Files left out under OnError::Skip, in the order they were first met.
  std::vector<SkippedFile> skipped() const;

 private:
  std::shared_ptr<const Image> load(int64_t index) const;
  Tensor targets(const std::vector<int64_t>& kept, const Tensor& x) const;
  void setup_cache();

  std::shared_ptr<const ImageDataGenerator> generator_;
  DirectoryFlowOptions options_;
  std::string context_;
  std::vector<std::string> paths_, filenames_;  // [samples]
  std::vector<int64_t> labels_;                 // [samples]
  std::vector<std::string> class_names_;
  std::map<std::string, int64_t> class_indices_;
  Shape hwc_;
  std::unique_ptr<ImageCache> own_cache_;
  ImageCache* cache_ = nullptr;
  std::unique_ptr<ImageLoader> loader_;  // under OnError::Raise; Skip is handled here
  std::unique_ptr<ImageBatcher> batcher_;

  mutable std::mutex bad_mutex_;
  mutable std::unordered_set<int64_t> bad_;       // files that failed to decode
  mutable std::vector<SkippedFile> skipped_;
};

}  // namespace petal
