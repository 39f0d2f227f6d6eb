// Image helpers: names of color modes and interpolations, float conversion.
#include "petal/data/image.h"

#include "petal/core/error.h"

namespace petal {

int64_t channels_of(ColorMode mode) {
  switch (mode) {
    case ColorMode::Grayscale: return 1;
    case ColorMode::Rgba: return 4;
    case ColorMode::Rgb: break;
  }
  return 3;
}

std::string to_string(ColorMode mode) {
  switch (mode) {
    case ColorMode::Grayscale: return "grayscale";
    case ColorMode::Rgba: return "rgba";
    case ColorMode::Rgb: break;
  }
  return "rgb";
}

ColorMode parse_color_mode(const std::string& name) {
  if (name == "rgb") return ColorMode::Rgb;
  if (name == "grayscale") return ColorMode::Grayscale;
  if (name == "rgba") return ColorMode::Rgba;
  throw ConfigError("color_mode: expected one of 'rgb', 'grayscale', 'rgba'; received '" + name + "'.");
}

std::string to_string(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::Nearest: return "nearest";
    case Interpolation::Bicubic: return "bicubic";
    case Interpolation::Area: return "area";
    case Interpolation::Lanczos: return "lanczos";
    case Interpolation::Bilinear: break;
  }
  return "bilinear";
}

Interpolation parse_interpolation(const std::string& name) {
  if (name == "nearest") return Interpolation::Nearest;
  if (name == "bilinear") return Interpolation::Bilinear;
  if (name == "bicubic") return Interpolation::Bicubic;
  if (name == "area" || name == "box") return Interpolation::Area;
  if (name == "lanczos") return Interpolation::Lanczos;
  throw ConfigError(
      "interpolation: expected one of 'nearest', 'bilinear', 'bicubic', 'area' ('box'), 'lanczos'; "
      "received '" + name + "'.");
}

void copy_to_floats(const Image& image, float* out) {
  const uint8_t* p = image.pixels.data();
  const int64_t n = image.size();
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(p[i]);
}

Tensor to_tensor(const Image& image) {
  if (static_cast<int64_t>(image.pixels.size()) != image.size()) {
    throw ShapeError("to_tensor(Image): expected " + std::to_string(image.size()) + " pixels for shape " +
                     to_string(image.shape()) + "; received " + std::to_string(image.pixels.size()) + ".");
  }
  Tensor t(image.shape());
  copy_to_floats(image, t.data());
  return t;
}

}  // namespace petal
