// The non-Keras augmentations of ImageDataGenerator (torchvision's
// RandomResizedCrop, ColorJitter without hue, RandomErasing): option checks,
// random draws and the per-image operations on row-major [H, W, C] floats.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "petal/core/rng.h"
#include "petal/data/affine.h"
#include "petal/data/image_data_generator.h"

namespace petal::detail {

// ConfigError "ImageDataGenerator: ..." for a bad non-Keras option.
void validate_extra_options(const ImageDataGeneratorOptions& options);

// Draws the crop box, jitter factors and erasing of the options that are on,
// into p, from rng (after the Keras draws).
void draw_extra_transform(const ImageDataGeneratorOptions& options, int64_t h, int64_t w, Rng& rng,
                          TransformParams& p);

// torchvision's RandomResizedCrop.get_params: up to 10 tries of an area fraction
// ~ U(scale) and a log-uniform aspect w/h in ratio, else a central crop.
PixelBox random_resized_crop_box(int64_t h, int64_t w, std::span<const double> scale,
                                 std::span<const double> ratio, Rng& rng);
// torchvision's RandomErasing.get_params (aspect h/w); nullopt when no try fits.
std::optional<PixelBox> random_erasing_box(int64_t h, int64_t w, std::span<const double> scale,
                                           std::span<const double> ratio, Rng& rng);

// The pull-back map that samples `box` corner to corner at h x w points, then
// applies `inner` (a Keras map of the cropped image) first when given.
AffineMap crop_map(const PixelBox& box, int64_t h, int64_t w, const std::optional<AffineMap>& inner);

// Brightness, contrast and saturation factors of p (those set), clipped to [0, max].
void color_jitter(std::span<float> image, int64_t channels, const TransformParams& p, double pixel_max);

// Fills p.erase with `value` or with noise ~ U(0, pixel_max) from p.erase_seed.
void erase_box(std::span<float> image, int64_t w, int64_t channels, const TransformParams& p,
               std::optional<double> value, double pixel_max);

}  // namespace petal::detail
