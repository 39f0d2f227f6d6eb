// Internal helpers for image decoding: format sniffing from magic bytes, JPEG header
// and EXIF orientation parsing, truncation checks, and the reduced-decode choice.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "petal/core/text_escape.h"  // quote_bytes for messages

namespace petal::detail {

enum class ImageFormat { Unknown, Jpeg, Png, Bmp, Pnm, Tiff, Webp };

// Format from the file's first bytes (never from its extension).
ImageFormat sniff_format(std::span<const uint8_t> bytes);
const char* format_name(ImageFormat format);

// What a walk over a JPEG's marker segments finds, without decoding.
struct JpegHeader {
  bool has_frame = false;  // a SOFn segment was found
  int64_t height = 0;      // as stored, before EXIF orientation
  int64_t width = 0;
  int components = 0;      // 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK
  int orientation = 1;     // EXIF tag 0x0112, 1..8 (1 when absent or invalid)
  bool complete = false;   // the end-of-image marker FF D9 follows the scan data
  int64_t end_offset = 0;  // where the walk stopped (bytes read)
};
JpegHeader parse_jpeg(std::span<const uint8_t> bytes);

// EXIF orientation from the payload of an APP1 segment ("Exif\0\0" + TIFF), or 1.
int parse_exif_orientation(std::span<const uint8_t> app1_payload);

// True when a PNG's chunk walk reaches the IEND chunk with every chunk in bounds.
bool png_complete(std::span<const uint8_t> bytes);

// The largest libjpeg scale 1/k (k in 8, 4, 2) whose output, ceil(h/k) x ceil(w/k),
// is still at least target_h x target_w; 1 when none is.
int choose_reduction(int64_t height, int64_t width, int64_t target_height, int64_t target_width);

// Reads a whole file; throws DataError naming `who` and the path if it is missing
// or unreadable, and if it is a directory.
std::vector<uint8_t> read_file_bytes(const std::string& path, const std::string& who);

}  // namespace petal::detail
