// Internal: decodes a PNG into 0xRRGGBB pixels (through cairo), so tests and
// tools can inspect the figures without linking an image library themselves.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace petal::detail {

struct Pixels {
  int width = 0, height = 0;
  std::vector<uint32_t> rgb;  // [height * width], row-major, 0xRRGGBB (alpha dropped)
  uint32_t at(int x, int y) const { return rgb[static_cast<size_t>(y) * width + x]; }
};

// Throws IoError naming the file if it is missing or not a PNG.
Pixels read_png_pixels(const std::filesystem::path& path);

}  // namespace petal::detail
