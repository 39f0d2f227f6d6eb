// Image format sniffing, JPEG/PNG structure walks and EXIF orientation, without
// decoding pixels: cheap checks that run before OpenCV sees the bytes.
#include "data/image_format.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "petal/core/error.h"
#include "petal/io/path_status.h"

namespace petal::detail {
namespace {

uint32_t be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t be32(const uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }

bool starts_with(std::span<const uint8_t> bytes, std::initializer_list<uint8_t> magic) {
  if (bytes.size() < magic.size()) return false;
  size_t i = 0;
  for (uint8_t m : magic) {
    if (bytes[i++] != m) return false;
  }
  return true;
}

bool is_sof(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Skips entropy-coded data starting at `pos`; returns the offset of the next
// marker's 0xFF, or bytes.size() when the data runs to the end of the buffer.
size_t skip_entropy_data(std::span<const uint8_t> bytes, size_t pos) {
  const size_t n = bytes.size();
  while (pos < n) {
    const void* hit = std::memchr(bytes.data() + pos, 0xFF, n - pos);
    if (hit == nullptr) return n;
    const size_t at = static_cast<const uint8_t*>(hit) - bytes.data();
    if (at + 1 >= n) return n;
    const uint8_t next = bytes[at + 1];
    if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
      pos = at + 2;  // stuffed 0xFF or restart marker: still scan data
    } else if (next == 0xFF) {
      pos = at + 1;  // fill byte before a marker
    } else {
      return at;
    }
  }
  return n;
}

}  // namespace

ImageFormat sniff_format(std::span<const uint8_t> bytes) {
  if (starts_with(bytes, {0xFF, 0xD8, 0xFF})) return ImageFormat::Jpeg;
  if (starts_with(bytes, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) return ImageFormat::Png;
  if (starts_with(bytes, {'B', 'M'})) return ImageFormat::Bmp;
  if (starts_with(bytes, {'I', 'I', 0x2A, 0x00}) || starts_with(bytes, {'M', 'M', 0x00, 0x2A})) {
    return ImageFormat::Tiff;
  }
  if (bytes.size() >= 12 && starts_with(bytes, {'R', 'I', 'F', 'F'}) &&
      std::memcmp(bytes.data() + 8, "WEBP", 4) == 0) {
    return ImageFormat::Webp;
  }
  if (bytes.size() >= 3 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '7' &&
      std::strchr(" \t\r\n", bytes[2]) != nullptr) {
    return ImageFormat::Pnm;
  }
  return ImageFormat::Unknown;
}

const char* format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Png: return "PNG";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::Pnm: return "PNM";
    case ImageFormat::Tiff: return "TIFF";
    case ImageFormat::Webp: return "WebP";
    case ImageFormat::Unknown: break;
  }
  return "unknown";
}

int parse_exif_orientation(std::span<const uint8_t> payload) {
  static const uint8_t kExif[6] = {'E', 'x', 'i', 'f', 0, 0};
  if (payload.size() < 6 + 8 || std::memcmp(payload.data(), kExif, 6) != 0) return 1;
  const std::span<const uint8_t> tiff = payload.subspan(6);
  const bool little = tiff[0] == 'I' && tiff[1] == 'I';
  if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) return 1;
  auto u16 = [&](size_t at) -> uint32_t {
    return little ? (uint32_t{tiff[at + 1]} << 8) | tiff[at] : be16(tiff.data() + at);
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return little ? (u16(at + 2) << 16) | u16(at) : be32(tiff.data() + at);
  };
  if (u16(2) != 42) return 1;
  const size_t ifd = u32(4);
  if (ifd + 2 > tiff.size()) return 1;
  const uint32_t count = u16(ifd);
  for (uint32_t i = 0; i < count; ++i) {
    const size_t entry = ifd + 2 + 12 * size_t{i};
    if (entry + 12 > tiff.size()) return 1;
    if (u16(entry) == 0x0112 && u16(entry + 2) == 3) {  // Orientation, SHORT
      const uint32_t value = u16(entry + 8);
      return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
    }
  }
  return 1;
}

JpegHeader parse_jpeg(std::span<const uint8_t> bytes) {
  JpegHeader header;
  const size_t n = bytes.size();
  size_t pos = 2;  // after SOI
  bool saw_scan = false, saw_exif = false;
  while (pos + 1 < n) {
    if (bytes[pos] != 0xFF || bytes[pos + 1] == 0xFF) {
      ++pos;  // stray byte or fill byte (libjpeg skips them with a warning)
      continue;
    }
    const uint8_t marker = bytes[pos + 1];
    pos += 2;
    if (marker == 0xD9) {
      header.complete = saw_scan;
      break;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no length
    if (pos + 2 > n) break;
    const size_t length = be16(bytes.data() + pos);
    if (length < 2 || pos + length > n) break;  // segment runs past the end
    const std::span<const uint8_t> payload = bytes.subspan(pos + 2, length - 2);
    if (is_sof(marker) && payload.size() >= 6 && !header.has_frame) {
      header.has_frame = true;
      header.height = be16(payload.data() + 1);
      header.width = be16(payload.data() + 3);
      header.components = payload[5];
    } else if (marker == 0xE1 && !saw_exif && payload.size() >= 6 &&
               std::memcmp(payload.data(), "Exif\0\0", 6) == 0) {
      saw_exif = true;
      header.orientation = parse_exif_orientation(payload);
    }
    pos += length;
    if (marker == 0xDA) {
      saw_scan = true;
      pos = skip_entropy_data(bytes, pos);
    }
  }
  header.end_offset = static_cast<int64_t>(std::min(pos, n));
  return header;
}

bool png_complete(std::span<const uint8_t> bytes) {
  size_t pos = 8;
  while (pos + 12 <= bytes.size()) {
    const size_t length = be32(bytes.data() + pos);
    if (length > bytes.size() - pos - 12) return false;
    if (std::memcmp(bytes.data() + pos + 4, "IEND", 4) == 0) return true;
    pos += 12 + length;
  }
  return false;
}

int choose_reduction(int64_t height, int64_t width, int64_t target_height, int64_t target_width) {
  for (int k : {8, 4, 2}) {
    const int64_t h = (height + k - 1) / k, w = (width + k - 1) / k;
    if (h >= target_height && w >= target_width) return k;
  }
  return 1;
}

std::vector<uint8_t> read_file_bytes(const std::string& path, const std::string& who) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw DataError(who + ": expected an image file; " + path_problem(path) + ".");
  }
  if (std::filesystem::is_directory(status)) {
    throw DataError(who + ": expected an image file; received a directory.");
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw DataError(who + ": cannot open the file: " + std::strerror(errno) + ".");
  }
  // Size first so the common case is one allocation and one read; keep reading
  // in case the file grew meanwhile.
  const auto expected = std::filesystem::file_size(path, ec);
  std::vector<uint8_t> bytes(ec ? 0 : static_cast<size_t>(expected));
  size_t total = std::fread(bytes.data(), 1, bytes.size(), f);
  bytes.resize(total);
  uint8_t chunk[4096];
  for (size_t got; (got = std::fread(chunk, 1, sizeof chunk, f)) > 0;) {
    bytes.insert(bytes.end(), chunk, chunk + got);
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw DataError(who + ": read error while reading the file.");
  return bytes;
}

}  // namespace petal::detail
