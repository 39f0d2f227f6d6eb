// libFuzzer target: the checks that run on image bytes before OpenCV sees them:
// format sniffing, declared sizes (the decompression-bomb check), the JPEG marker
// walk with EXIF orientation, and the PNG chunk walk.
#include <span>

#include "data/image_format.h"
#include "data/image_header.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace petal::detail;
  const std::span<const uint8_t> bytes(data, size);
  const ImageFormat format = sniff_format(bytes);
  for (ImageFormat f : {format, ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Bmp, ImageFormat::Webp,
                        ImageFormat::Pnm, ImageFormat::Tiff}) {
    const DeclaredSize d = declared_size(bytes, f);
    if (d.known && (d.height < 0 || d.width < 0)) __builtin_trap();
  }
  const JpegHeader h = parse_jpeg(bytes);
  if (h.end_offset < 0 || h.end_offset > static_cast<int64_t>(size)) __builtin_trap();
  if (h.orientation < 1 || h.orientation > 8) __builtin_trap();
  (void)png_complete(bytes);
  (void)parse_exif_orientation(bytes);
  (void)petal::quote_bytes(bytes);
  return 0;
}
