// Channel shift, flips and PIL-style brightness, bit-compatible with Keras's
// float32 numpy arithmetic where that is cheap to reproduce.
#include "data/augment_ops.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

std::pair<float, float> min_max(std::span<const float> v) {
  if (v.empty()) return {0.0f, 0.0f};
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {*lo, *hi};
}

// array_to_img's min and the max of (x - min).
std::pair<float, float> scale_range(std::span<const float> image) {
  const float lo = min_max(image).first;
  float top = 0.0f;
  for (float v : image) top = std::max(top, v - lo);
  return {lo, top};
}

uint8_t scaled_byte(float v, float lo, float top) {
  float y = v - lo;
  if (top != 0.0f) y /= top;
  y *= 255.0f;
  return static_cast<uint8_t>(std::clamp(y, 0.0f, 255.0f));  // astype('uint8') truncates
}

}  // namespace

void channel_shift(std::span<float> image, double intensity) {
  const auto [lo, hi] = min_max(image);
  const float d = static_cast<float>(intensity);  // numpy casts the Python float to float32
  for (float& v : image) v = std::clamp(v + d, lo, hi);
}

void flip_columns(std::span<float> image, int64_t h, int64_t w, int64_t channels) {
  for (int64_t r = 0; r < h; ++r) {
    float* row = image.data() + r * w * channels;
    for (int64_t a = 0, b = w - 1; a < b; ++a, --b)
      std::swap_ranges(row + a * channels, row + (a + 1) * channels, row + b * channels);
  }
}

void flip_rows(std::span<float> image, int64_t h, int64_t w, int64_t channels) {
  const int64_t stride = w * channels;
  for (int64_t a = 0, b = h - 1; a < b; ++a, --b)
    std::swap_ranges(image.data() + a * stride, image.data() + (a + 1) * stride,
                     image.data() + b * stride);
}

void scale_to_uint8(std::span<const float> image, std::span<uint8_t> out) {
  const auto [lo, top] = scale_range(image);
  for (size_t i = 0; i < image.size(); ++i) out[i] = scaled_byte(image[i], lo, top);
}

void brightness_shift(std::span<float> image, int64_t channels, double factor) {
  if (channels != 1 && channels != 3 && channels != 4)
    throw ShapeError("ImageDataGenerator.apply_transform(brightness): expected 1, 3 or 4 "
                     "channels (PIL modes L, RGB, RGBA); received " +
                     std::to_string(channels) + ".");
  const auto [lo, top] = scale_range(image);
  const float alpha = static_cast<float>(factor);  // ImagingBlend takes a C float
  for (size_t i = 0; i < image.size(); ++i) {
    const bool is_alpha = channels == 4 && i % 4 == 3;
    float v = static_cast<float>(scaled_byte(image[i], lo, top));
    if (!is_alpha) {
      const float t = alpha * v;
      v = t <= 0.0f ? 0.0f : (t >= 255.0f ? 255.0f : std::trunc(t));
    }
    image[i] = v;
  }
}

}  // namespace petal::detail
