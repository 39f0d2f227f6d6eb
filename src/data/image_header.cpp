// declared_size: width and height from each format's header, bounds-checked.
#include "data/image_header.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace petal::detail {

namespace {

uint32_t le16(std::span<const uint8_t> b, size_t at) { return uint32_t{b[at]} | (uint32_t{b[at + 1]} << 8); }
uint32_t le32(std::span<const uint8_t> b, size_t at) { return le16(b, at) | (le16(b, at + 2) << 16); }
uint32_t le24(std::span<const uint8_t> b, size_t at) { return le16(b, at) | (uint32_t{b[at + 2]} << 16); }
uint32_t be16(std::span<const uint8_t> b, size_t at) { return (uint32_t{b[at]} << 8) | b[at + 1]; }
uint32_t be32(std::span<const uint8_t> b, size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }

DeclaredSize sized(int64_t height, int64_t width) { return {true, height, width}; }

DeclaredSize png_size(std::span<const uint8_t> b) {
  if (b.size() < 24 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') return {};
  return sized(be32(b, 20), be32(b, 16));
}

DeclaredSize bmp_size(std::span<const uint8_t> b) {
  if (b.size() < 26) return {};
  const uint32_t dib = le32(b, 14);
  if (dib == 12) return sized(le16(b, 20), le16(b, 18));  // BITMAPCOREHEADER
  const auto width = static_cast<int32_t>(le32(b, 18)), height = static_cast<int32_t>(le32(b, 22));
  return sized(std::llabs(int64_t{height}), std::llabs(int64_t{width}));  // negative height: top-down rows
}

DeclaredSize webp_size(std::span<const uint8_t> b) {
  if (b.size() < 30) return {};
  const auto chunk = [&](const char* id) { return std::equal(id, id + 4, b.begin() + 12); };
  // VP8X: 24-bit canvas width - 1 and height - 1 at 24 and 27 (found by fuzz_image_header:
  // reading them as 32-bit values overran a 30-byte file by one byte).
  if (chunk("VP8X")) return sized(int64_t{le24(b, 27)} + 1, int64_t{le24(b, 24)} + 1);
  if (chunk("VP8L") && b[20] == 0x2F) {
    const uint32_t bits = le32(b, 21);
    return sized(int64_t{(bits >> 14) & 0x3FFF} + 1, int64_t{bits & 0x3FFF} + 1);
  }
  if (chunk("VP8 ") && b[23] == 0x9D && b[24] == 0x01 && b[25] == 0x2A) {
    return sized(le16(b, 28) & 0x3FFF, le16(b, 26) & 0x3FFF);
  }
  return {};
}

// "P6 <width> <height> ..." with '#' comments between the fields.
DeclaredSize pnm_size(std::span<const uint8_t> b) {
  size_t pos = 2;
  int64_t fields[2] = {0, 0};
  for (int64_t& field : fields) {
    while (pos < b.size() && (std::isspace(b[pos]) || b[pos] == '#')) {
      if (b[pos] == '#') {
        while (pos < b.size() && b[pos] != '\n') ++pos;
      } else {
        ++pos;
      }
    }
    if (pos >= b.size() || !std::isdigit(b[pos])) return {};
    for (int digits = 0; pos < b.size() && std::isdigit(b[pos]); ++pos) {
      if (++digits > 12) return {};  // more than any real size; no overflow
      field = field * 10 + (b[pos] - '0');
    }
  }
  return sized(fields[1], fields[0]);
}

DeclaredSize tiff_size(std::span<const uint8_t> b) {
  if (b.size() < 8) return {};
  const bool little = b[0] == 'I';
  const auto u16 = [&](size_t at) { return little ? le16(b, at) : be16(b, at); };
  const auto u32 = [&](size_t at) { return little ? le32(b, at) : be32(b, at); };
  const size_t ifd = u32(4);
  if (ifd > b.size() || b.size() - ifd < 2) return {};
  const uint32_t count = u16(ifd);
  int64_t width = -1, height = -1;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t entry = ifd + 2 + 12 * size_t{i};
    if (entry + 12 > b.size()) break;
    const uint32_t tag = u16(entry), type = u16(entry + 2);
    const int64_t value = type == 3 ? u16(entry + 8) : type == 4 ? u32(entry + 8) : -1;
    if (tag == 256) width = value;
    if (tag == 257) height = value;
  }
  if (width < 0 || height < 0) return {};
  return sized(height, width);
}

}  // namespace

DeclaredSize declared_size(std::span<const uint8_t> bytes, ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg: {
      const JpegHeader h = parse_jpeg(bytes);
      return h.has_frame ? sized(h.height, h.width) : DeclaredSize{};
    }
    case ImageFormat::Png: return png_size(bytes);
    case ImageFormat::Bmp: return bmp_size(bytes);
    case ImageFormat::Webp: return webp_size(bytes);
    case ImageFormat::Pnm: return pnm_size(bytes);
    case ImageFormat::Tiff: return tiff_size(bytes);
    case ImageFormat::Unknown: break;
  }
  return {};
}

}  // namespace petal::detail
