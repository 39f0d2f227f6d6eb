// Test fixtures for image decoding: a fresh temp folder, and image files written
// byte by byte (PNG with stored deflate, BMP, EXIF segments) independently of OpenCV.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "petal/data/image.h"
#include "testing/temp_dir.h"

namespace petal::image_testing {

using ImageTempDir = petal::testing::TempDir;

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}

inline uint32_t crc32(const uint8_t* data, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

// zlib stream of stored (uncompressed) deflate blocks.
inline std::vector<uint8_t> zlib_stored(const std::vector<uint8_t>& raw) {
  std::vector<uint8_t> out = {0x78, 0x01};
  size_t pos = 0;
  do {
    const size_t len = std::min<size_t>(65535, raw.size() - pos);
    out.push_back(pos + len == raw.size() ? 1 : 0);
    out.push_back(static_cast<uint8_t>(len & 0xFF));
    out.push_back(static_cast<uint8_t>(len >> 8));
    out.push_back(static_cast<uint8_t>(~len & 0xFF));
    out.push_back(static_cast<uint8_t>((~len >> 8) & 0xFF));
    out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(pos),
               raw.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < raw.size());
  uint32_t a = 1, b = 0;
  for (uint8_t v : raw) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  put_be32(out, (b << 16) | a);
  return out;
}

inline void png_chunk(std::vector<uint8_t>& out, const char* type, const std::vector<uint8_t>& data) {
  put_be32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  put_be32(out, crc32(out.data() + start, out.size() - start));
}

// PNG color types: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
struct PngSpec {
  uint32_t width = 0;
  uint32_t height = 0;
  int bit_depth = 8;   // 8 or 16 (16: samples are big-endian byte pairs)
  int color_type = 2;
  std::vector<uint8_t> samples{};  // rows without filter bytes
  std::vector<std::array<uint8_t, 3>> palette{};
  std::vector<uint8_t> trns{};     // palette alpha values
};

inline std::vector<uint8_t> encode_png(const PngSpec& spec) {
  static const int kChannels[] = {1, 0, 3, 1, 2, 0, 4};
  const size_t row = spec.width * static_cast<size_t>(kChannels[spec.color_type]) * (spec.bit_depth / 8);
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  std::vector<uint8_t> ihdr;
  put_be32(ihdr, spec.width);
  put_be32(ihdr, spec.height);
  ihdr.insert(ihdr.end(), {static_cast<uint8_t>(spec.bit_depth), static_cast<uint8_t>(spec.color_type), 0, 0, 0});
  png_chunk(out, "IHDR", ihdr);
  if (!spec.palette.empty()) {
    std::vector<uint8_t> plte;
    for (const auto& c : spec.palette) plte.insert(plte.end(), c.begin(), c.end());
    png_chunk(out, "PLTE", plte);
  }
  if (!spec.trns.empty()) png_chunk(out, "tRNS", spec.trns);
  std::vector<uint8_t> raw;
  for (uint32_t y = 0; y < spec.height; ++y) {
    raw.push_back(0);  // filter: none
    raw.insert(raw.end(), spec.samples.begin() + static_cast<std::ptrdiff_t>(y * row),
               spec.samples.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
  }
  png_chunk(out, "IDAT", zlib_stored(raw));
  png_chunk(out, "IEND", {});
  return out;
}

// 24-bit BMP (rows bottom-up, BGR, padded to 4 bytes) from RGB pixels.
inline std::vector<uint8_t> encode_bmp(const Image& rgb) {
  const uint32_t w = static_cast<uint32_t>(rgb.width), h = static_cast<uint32_t>(rgb.height);
  const uint32_t stride = (w * 3 + 3) / 4 * 4;
  const uint32_t size = 54 + stride * h;
  std::vector<uint8_t> out(size, 0);
  auto le32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<uint8_t>(v >> (8 * i));
  };
  out[0] = 'B';
  out[1] = 'M';
  le32(2, size);
  le32(10, 54);
  le32(14, 40);
  le32(18, w);
  le32(22, h);
  out[26] = 1;   // planes
  out[28] = 24;  // bits per pixel
  le32(34, stride * h);
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      const size_t at = 54 + (h - 1 - y) * stride + x * 3;
      for (int c = 0; c < 3; ++c) out[at + c] = rgb.at(y, x, 2 - c);
    }
  }
  return out;
}

// A JPEG with an APP1 Exif segment (big-endian TIFF, one IFD0 entry: Orientation)
// inserted right after SOI.
inline std::vector<uint8_t> with_exif_orientation(const std::vector<uint8_t>& jpeg, int orientation) {
  const std::vector<uint8_t> app1 = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,  // marker, length 34
                                     'M', 'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,      // TIFF header
                                     0x00, 0x01,                                         // one entry
                                     0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,    // 0x0112 SHORT x1
                                     0x00, static_cast<uint8_t>(orientation), 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00};  // no next IFD
  std::vector<uint8_t> out = jpeg;
  out.insert(out.begin() + 2, app1.begin(), app1.end());
  return out;
}

// An RGB image filled by f(y, x) -> {r, g, b}.
template <typename F>
Image make_rgb(int64_t height, int64_t width, F f) {
  Image img{height, width, 3, std::vector<uint8_t>(static_cast<size_t>(height * width * 3))};
  for (int64_t y = 0; y < height; ++y) {
    for (int64_t x = 0; x < width; ++x) {
      const std::array<uint8_t, 3> c = f(y, x);
      for (int k = 0; k < 3; ++k) img.pixels[static_cast<size_t>((y * width + x) * 3 + k)] = c[static_cast<size_t>(k)];
    }
  }
  return img;
}

inline Image solid_rgb(int64_t height, int64_t width, uint8_t r, uint8_t g, uint8_t b) {
  return make_rgb(height, width, [&](int64_t, int64_t) { return std::array<uint8_t, 3>{r, g, b}; });
}

}  // namespace petal::image_testing
