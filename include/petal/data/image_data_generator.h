// Keras's ImageDataGenerator (keras-preprocessing 1.0.5 / 1.1.2 semantics): augmentation,
// standardization, featurewise fit, flow() over arrays and flow_from_directory() over files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "petal/core/rng.h"
#include "petal/core/shape.h"
#include "petal/core/tensor.h"
#include "petal/data/affine.h"
#include "petal/data/directory_iterator.h"
#include "petal/data/numpy_array_iterator.h"

namespace petal {

// width_shift_range / height_shift_range. Keras accepts three forms:
//   float r        ShiftRange(0.2): U(-r, r), a fraction of the size if r < 1,
//                  else pixels;
//   int n          ShiftRange::integer(n): choice(0..n-1) * choice(-1, +1), i.e.
//                  whole pixels in (-n, n), as np.random.choice(n) does;
//   list of values ShiftRange::list({...}): choice(list) * choice(-1, +1).
// For int and list forms the values are a fraction of the size when their
// maximum is < 1, exactly as Keras tests np.max(range) < 1.
// Constructing from an int literal is deleted because Keras treats 2 and 2.0
// differently: write 2.0 for the float form or ShiftRange::integer(2).
struct ShiftRange {
  double range = 0.0;           // float form (used when `choices` is empty)
  std::vector<double> choices{};  // int/list form

  ShiftRange() = default;
  ShiftRange(double r) : range(r) {}  // NOLINT(google-explicit-constructor): Keras's float form
  ShiftRange(int) = delete;
  static ShiftRange integer(int64_t n);
  static ShiftRange list(std::vector<double> values);
  bool active() const { return choices.empty() ? range != 0 : true; }
};

// zoom_range: a float z means [1 - z, 1 + z]; a pair means [lower, upper].
// zx and zy are drawn independently from U(lower, upper), so a float range does
// not keep the aspect ratio. [1, 1] means no zoom.
struct ZoomRange {
  double lower = 1.0, upper = 1.0;

  ZoomRange() = default;
  ZoomRange(double z) : lower(1.0 - z), upper(1.0 + z) {}  // NOLINT: Keras's float form
  ZoomRange(double lower_bound, double upper_bound) : lower(lower_bound), upper(upper_bound) {}
};

// Every keras ImageDataGenerator argument with Keras's defaults, except
// data_format (always channels_last) and dtype (always float32).
struct ImageDataGeneratorOptions {
  bool featurewise_center = false;
  bool samplewise_center = false;
  bool featurewise_std_normalization = false;  // implies featurewise_center, as in Keras
  bool samplewise_std_normalization = false;   // implies samplewise_center, as in Keras
  bool zca_whitening = false;                  // not supported: throws ConfigError
  double zca_epsilon = 1e-6;
  double rotation_range = 0.0;  // degrees
  ShiftRange width_shift_range{};   // columns (ty)
  ShiftRange height_shift_range{};  // rows (tx)
  std::vector<double> brightness_range{};  // {} = None, else exactly {low, high}
  double shear_range = 0.0;              // degrees (Keras >= 2.1.3)
  ZoomRange zoom_range{};
  double channel_shift_range = 0.0;
  FillMode fill_mode = FillMode::Nearest;
  double cval = 0.0;
  bool horizontal_flip = false;
  bool vertical_flip = false;
  double rescale = 0.0;  // 0 = None
  // Runs first in standardize(), on one augmented [H, W, C] image, in place. It
  // must keep the shape, and be thread-safe when batches are built on workers.
  std::function<void(Tensor& image)> preprocessing_function{};
  double validation_split = 0.0;  // in [0, 1); used by flow(subset=...)
  int interpolation_order = 1;    // 0 or 1
  // Not a Keras argument: where rotation/shear/zoom are centred. The default is
  // what released Keras does (see AffineCenter).
  AffineCenter affine_center = AffineCenter::KerasReleased;

  // Not Keras arguments: the augmentations of modern recipes, off by default,
  // drawn after every Keras draw (so they leave Keras's stream untouched).
  // torchvision's RandomResizedCrop: {} = off, else {lo, hi}, the fraction of the
  // image's area to crop; the crop (aspect w/h log-uniform in the ratio range)
  // is resized back to the image's size, before the Keras affine warp.
  std::vector<double> random_resized_crop_scale{};
  std::vector<double> random_resized_crop_ratio{3.0 / 4.0, 4.0 / 3.0};
  // torchvision's ColorJitter (without hue), applied in this order after
  // Keras's brightness: factors ~ U(max(0, 1 - j), 1 + j); brightness scales the
  // pixels, contrast blends them with the mean grey level, saturation with each
  // pixel's grey (0.299 R + 0.587 G + 0.114 B); results clipped to [0, pixel_max].
  double brightness_jitter = 0.0;
  double contrast_jitter = 0.0;
  double saturation_jitter = 0.0;
  // The pixel range at augmentation time (before rescale): 255 for decoded images.
  double pixel_max = 255.0;
  // torchvision's RandomErasing (Zhong et al.), last: with this probability a
  // box of area fraction in random_erasing_scale and aspect h/w in
  // random_erasing_ratio (log-uniform) is filled with random_erasing_value, or
  // when unset with per-pixel uniform noise in [0, pixel_max] (the paper's RE-R).
  double random_erasing = 0.0;
  std::vector<double> random_erasing_scale{0.02, 0.33};
  std::vector<double> random_erasing_ratio{0.3, 3.3};
  std::optional<double> random_erasing_value{};
};

// A box of whole pixels: rows [top, top + height), columns [left, left + width).
struct PixelBox {
  int64_t top = 0, left = 0, height = 0, width = 0;
};

// One random draw (Keras's transform_parameters dict). Pixel shifts are
// resolved: tx is along rows (height), ty along columns (width), both in pixels.
struct TransformParams {
  double theta = 0.0;  // rotation, degrees
  double tx = 0.0;     // row shift, pixels
  double ty = 0.0;     // column shift, pixels
  double shear = 0.0;  // degrees
  double zx = 1.0;     // zoom along rows
  double zy = 1.0;     // zoom along columns
  bool flip_horizontal = false;  // reverse columns
  bool flip_vertical = false;    // reverse rows
  std::optional<double> channel_shift_intensity{};
  std::optional<double> brightness{};
  // The draws of the non-Keras options (unset when off).
  std::optional<PixelBox> crop{};  // random resized crop
  std::optional<double> brightness_factor{}, contrast_factor{}, saturation_factor{};
  std::optional<PixelBox> erase{};
  uint64_t erase_seed = 0;  // the stream of the erased box's noise
};

// fit(x, augment, rounds, seed) as in Keras. (Not named FitOptions: that is
// Sequential::fit's, and the tutorial includes both headers.)
struct FeaturewiseFitOptions {
  bool augment = false;
  int rounds = 1;
  uint64_t seed = 0;
};

// The Flowers-17 tutorial's augmentation: ImageDataGenerator(rotation_range=20,
// zoom_range=0.15, width_shift_range=0.2, height_shift_range=0.2,
// shear_range=0.15, horizontal_flip=True, fill_mode="nearest"), no rescaling.
ImageDataGeneratorOptions tutorial_augmentation();

// All const methods may run concurrently (the generator holds no mutable state;
// randomness comes from the Rng passed in). fit() must not run concurrently
// with anything else.
class ImageDataGenerator {
 public:
  // Validates and resolves the options (ConfigError on bad values).
  explicit ImageDataGenerator(ImageDataGeneratorOptions options = {});

  // The resolved options (featurewise/samplewise std switch on their centre flag).
  const ImageDataGeneratorOptions& options() const { return options_; }

  // Keras get_random_transform. Draws (only what is enabled):
  //   theta ~ U(-rotation_range, rotation_range)
  //   tx (rows) and ty (cols) per ShiftRange, times H or W for fractions
  //   shear ~ U(-shear_range, shear_range)
  //   zx, zy ~ U(lower, upper) independently, unless the range is [1, 1]
  //   flip_horizontal = horizontal_flip && U(0,1) < 0.5, flip_vertical likewise
  //   channel_shift_intensity ~ U(-c, c) when c != 0; brightness ~ U(b0, b1)
  //   then the non-Keras options that are on: crop box, jitter factors, erasing
  // The draws come from `rng` in that order (not numpy's stream).
  TransformParams get_random_transform(const Shape& img_shape_hwc, Rng& rng) const;

  // Keras apply_transform: affine warp -> channel shift -> horizontal flip ->
  // vertical flip -> brightness; then colour jitter and random erasing. A random
  // resized crop is part of the warp (crop, then the Keras transform).
  // `image_hwc` is [H, W, C].
  Tensor apply_transform(const Tensor& image_hwc, const TransformParams& params) const;
  // The same into `out` (H*W*C floats, not overlapping `image`); allocates nothing.
  void apply_transform(std::span<const float> image, const Shape& hwc,
                       const TransformParams& params, std::span<float> out) const;

  Tensor random_transform(const Tensor& image_hwc, Rng& rng) const;

  // In place, Keras's order: preprocessing_function -> *rescale -> samplewise
  // centre -> samplewise std (+1e-6) -> featurewise centre -> featurewise std
  // (+1e-6). Featurewise steps need fit(): StateError otherwise (Keras only
  // warns and skips them).
  void standardize(Tensor& image_hwc) const;
  // The same on raw [H, W, C] data (the function gets a temporary Tensor).
  void standardize(std::span<float> image, const Shape& hwc) const;

  // Featurewise statistics from x [N, H, W, C]: per-channel mean, then the
  // per-channel std of the centred data (numpy's ddof 0). Only the statistics
  // the options ask for are computed.
  void fit(const Tensor& x_nhwc, const FeaturewiseFitOptions& fit_options = {});
  bool fitted() const { return fitted_; }
  const Tensor& featurewise_mean() const { return mean_; }  // [C], empty before fit
  const Tensor& featurewise_std() const { return std_; }    // [C], empty before fit

  // Batches of augmented, standardized images from x [N, H, W, C] with rows of y
  // [N, ...] (y may be empty). The iterator keeps a copy of this generator, so
  // call fit() first; later changes to this object do not reach it.
  std::unique_ptr<NumpyArrayIterator> flow(Tensor x_nhwc, Tensor y = {},
                                           FlowOptions options = {}) const;

  // Keras's flow_from_directory: batches of images decoded from `directory`, in
  // class folders or the Flowers-17 archive layout (see list_flow_directory),
  // augmented and standardized like flow(). Keeps a copy of this generator.
  std::unique_ptr<DirectoryIterator> flow_from_directory(const std::string& directory,
                                                         DirectoryFlowOptions options = {}) const;
  // The same over a ready list of every file of every class (options.classes and
  // follow_links are not used; the subset split is applied to the list).
  std::unique_ptr<DirectoryIterator> flow_from_list(ImageList list,
                                                    DirectoryFlowOptions options = {}) const;

 private:
  double draw_shift(const ShiftRange& range, int64_t size, Rng& rng) const;
  void check_image_shape(const Shape& hwc, const char* where) const;

  ImageDataGeneratorOptions options_;
  bool fitted_ = false;
  Tensor mean_;  // [C]
  Tensor std_;   // [C]
};

}  // namespace petal
