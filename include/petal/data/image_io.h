// Image decoding with OpenCV (JPEG, PNG, BMP, PPM/PGM, TIFF, WebP) into 8-bit RGB(A)
// or grayscale pixels, with Keras load_img's options and a fast reduced JPEG decode.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "petal/data/image.h"

namespace petal {

// Pillow's Image.MAX_IMAGE_PIXELS (int(1024 * 1024 * 1024 // 4 // 3)): the default
// limit on the pixels an image header may declare.
inline constexpr int64_t kDefaultMaxImagePixels = 89478485;
// OpenCV's own limit (CV_IO_MAX_IMAGE_PIXELS): it refuses larger images whatever
// max_pixels says.
inline constexpr int64_t kOpenCvMaxImagePixels = int64_t{1} << 30;

// (height, width), as Keras's target_size.
struct ImageSize {
  int64_t height = 0;
  int64_t width = 0;
  bool operator==(const ImageSize&) const = default;
};

// How decode_image turns a file into pixels.
//  - EXIF orientation is honoured, as OpenCV's imread does by default, also with
//    reduced decoding: JPEGs come out upright. (Keras's load_img, via PIL, ignores
//    the tag.) Rgba mode on non-JPEG files reads the file unchanged and so does not
//    apply orientation (OpenCV's IMREAD_UNCHANGED rule).
//  - 16-bit files are scaled to 8 bits (65535 -> 255); alpha is dropped for Rgb and
//    Grayscale (not composited over a background), kept for Rgba; palette PNGs are
//    expanded; CMYK JPEGs are converted to RGB by libjpeg/OpenCV.
//  - Default interpolation is bilinear, as the tutorial's cv2.resize; Keras's
//    load_img and flow_from_directory default to nearest.
struct DecodeOptions {
  std::optional<ImageSize> target_size{};  // none: keep the decoded size
  ColorMode color_mode = ColorMode::Rgb;
  Interpolation interpolation = Interpolation::Bilinear;
  // Centre-crop to the target's aspect ratio before resizing (Keras 1.1.2's
  // keep_aspect_ratio); only with a target_size.
  bool keep_aspect_ratio = false;
  // Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the target is that much
  // smaller (the largest reduction still at least as large as the target in both
  // dimensions), then resize. false forces a full-size decode.
  bool reduced_decode = true;
  // Refuse (DataError) a file whose header declares more pixels than this,
  // before decoding: a decompression bomb. Pillow refuses above twice its
  // MAX_IMAGE_PIXELS and warns above it; petal refuses above the limit. 0: only
  // OpenCV's limit applies.
  int64_t max_pixels = kDefaultMaxImagePixels;
  // Decode a truncated JPEG or PNG as far as its data goes (OpenCV fills the rest
  // grey), as Pillow's ImageFile.LOAD_TRUNCATED_IMAGES = True; DecodeInfo says so.
  // false: DataError "image file is truncated".
  bool load_truncated = false;
};

// What one decode did, for tests, benchmarks and diagnostics.
struct DecodeInfo {
  std::string format{};           // "JPEG", "PNG", ...
  int64_t decoded_height = 0;   // size OpenCV returned, after orientation,
  int64_t decoded_width = 0;    //   before cropping and resizing
  int reduction = 1;            // libjpeg scale denominator used (1, 2, 4 or 8)
  bool truncated = false;       // load_truncated decoded a truncated file
};

// Decodes the image at `path`. Throws DataError naming the file for a missing file,
// an unrecognised or non-image file (quoting its first bytes), a header declaring
// more than max_pixels pixels, a truncated JPEG (no end-of-image marker after the
// scan data) or PNG (no IEND chunk) unless load_truncated, a file OpenCV cannot
// decode, and a decoded image of zero size. ConfigError for a
// target_size that is not positive.
Image decode_image(const std::string& path, const DecodeOptions& options = {},
                   DecodeInfo* info = nullptr);

// Same, from encoded bytes in memory; `name` is used in error messages.
Image decode_image_bytes(std::span<const uint8_t> bytes, const std::string& name,
                         const DecodeOptions& options = {}, DecodeInfo* info = nullptr);

// Writes an image (RGB, RGBA or grayscale), format from the extension (.png, .jpg,
// .bmp, .ppm, .tif, .webp). Throws IoError naming the file if OpenCV cannot write it.
void write_image(const std::string& path, const Image& image, int jpeg_quality = 95);

}  // namespace petal
