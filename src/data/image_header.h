// The pixel size an image file's header declares, read before decoding so that a
// decompression bomb (a small file declaring a huge image) is refused unopened.
#pragma once

#include <cstdint>
#include <span>

#include "data/image_format.h"

namespace petal::detail {

struct DeclaredSize {
  bool known = false;  // false: the header is too short or malformed to say
  int64_t height = 0;
  int64_t width = 0;
  int64_t pixels() const { return height * width; }
};

// From the header of a JPEG (first SOF segment), PNG (IHDR), BMP (DIB header),
// WebP (VP8, VP8L or VP8X), PNM (text header) or TIFF (first IFD's ImageWidth and
// ImageLength). Never reads past `bytes`.
DeclaredSize declared_size(std::span<const uint8_t> bytes, ImageFormat format);

}  // namespace petal::detail
