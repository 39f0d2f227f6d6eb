// PNG decoding via cairo_image_surface_create_from_png.
#include "report/png_pixels.h"

#include <cairo.h>

#include <cstring>

#include "petal/core/error.h"

namespace petal::detail {

Pixels read_png_pixels(const std::filesystem::path& path) {
  cairo_surface_t* surface = cairo_image_surface_create_from_png(path.c_str());
  const cairo_status_t status = cairo_surface_status(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface);
    throw IoError("read_png_pixels('" + path.string() + "'): cannot decode: " +
                  cairo_status_to_string(status) + ".");
  }
  cairo_surface_flush(surface);
  Pixels out;
  out.width = cairo_image_surface_get_width(surface);
  out.height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  out.rgb.resize(static_cast<size_t>(out.width) * out.height);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      uint32_t px;  // native-endian 0xAARRGGBB (premultiplied; figures are opaque)
      std::memcpy(&px, data + static_cast<size_t>(y) * stride + 4 * x, 4);
      out.rgb[static_cast<size_t>(y) * out.width + x] = px & 0xFFFFFF;
    }
  cairo_surface_destroy(surface);
  return out;
}

}  // namespace petal::detail
