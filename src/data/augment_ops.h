// Per-pixel steps of Keras's apply_transform after the affine warp (channel shift,
// flips, PIL brightness) on one row-major [H, W, C] float image, in place.
#pragma once

#include <cstdint>
#include <span>

namespace petal::detail {

// Keras apply_channel_shift: every value + intensity (float32 arithmetic),
// clipped to the image's own [min, max] taken over all channels before the shift.
void channel_shift(std::span<float> image, double intensity);

// Reverse the column axis (Keras flip_axis(x, col_axis)).
void flip_columns(std::span<float> image, int64_t h, int64_t w, int64_t channels);
// Reverse the row axis.
void flip_rows(std::span<float> image, int64_t h, int64_t w, int64_t channels);

// Keras array_to_img(x, scale=True) bytes, in float32 as numpy does it:
// y = x - min; if max(y) != 0: y /= max(y); y *= 255; then uint8 truncation.
void scale_to_uint8(std::span<const float> image, std::span<uint8_t> out);

// Keras apply_brightness_shift(x, factor) (keras-preprocessing 1.0.5-1.1.2):
// array_to_img(scale=True) -> PIL ImageEnhance.Brightness(img).enhance(factor)
// -> img_to_array. PIL blends with a black image using a C float alpha, so each
// byte v becomes trunc(clip(float(factor) * v, 0, 255)); an RGBA image keeps its
// alpha byte. The result is therefore in 0..255 whatever the input range was (a
// Keras wart kept for fidelity). Channels must be 1 (L), 3 (RGB) or 4 (RGBA).
void brightness_shift(std::span<float> image, int64_t channels, double factor);

}  // namespace petal::detail
