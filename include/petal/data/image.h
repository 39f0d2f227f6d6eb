// A decoded image held as 8-bit pixels [H, W, C] in RGB(A) or grayscale order,
// and its conversion to a float Tensor [H, W, C] with values 0..255 (no scaling).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "petal/core/tensor.h"

namespace petal {

// Channels of a decoded image, as Keras's load_img color_mode:
// Rgb -> 3 channels R, G, B (alpha dropped, not composited, as PIL's convert('RGB'));
// Grayscale -> 1 channel (0.299 R + 0.587 G + 0.114 B);
// Rgba -> 4 channels R, G, B, A (alpha 255 where the file has none).
enum class ColorMode { Rgb, Grayscale, Rgba };

// Resampling used when resizing to a target size (OpenCV's INTER_NEAREST,
// INTER_LINEAR, INTER_CUBIC, INTER_AREA, INTER_LANCZOS4).
enum class Interpolation { Nearest, Bilinear, Bicubic, Area, Lanczos };

// Pixels of one image, row-major [height, width, channels], channel order RGB(A).
struct Image {
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 0;
  std::vector<uint8_t> pixels{};  // [height, width, channels]

  int64_t size() const { return height * width * channels; }
  uint8_t at(int64_t y, int64_t x, int64_t c) const { return pixels[(y * width + x) * channels + c]; }
  Shape shape() const { return {height, width, channels}; }
};

int64_t channels_of(ColorMode mode);
// "rgb", "grayscale", "rgba" (Keras's spelling); parse_* accept the same names.
std::string to_string(ColorMode mode);
ColorMode parse_color_mode(const std::string& name);
// "nearest", "bilinear", "bicubic", "area", "lanczos".
std::string to_string(Interpolation interpolation);
Interpolation parse_interpolation(const std::string& name);

// Float copy [H, W, C], values 0..255.
Tensor to_tensor(const Image& image);
// Writes image.size() floats (0..255) at `out`, e.g. one row of a batch tensor.
void copy_to_floats(const Image& image, float* out);

}  // namespace petal
