// decode_image: sniff and check the bytes, pick a reduced JPEG scale, decode with
// OpenCV, then normalise depth, crop, resize and convert to RGB(A) or grayscale.
#include "petal/data/image_io.h"

#include <vector>
#include <algorithm>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/image_format.h"
#include "data/image_header.h"
#include "petal/core/error.h"

namespace petal {
namespace {

using detail::ImageFormat;

int cv_interpolation(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::Nearest: return cv::INTER_NEAREST;  // not used: see resize_nearest
    case Interpolation::Bicubic: return cv::INTER_CUBIC;
    case Interpolation::Area: return cv::INTER_AREA;
    case Interpolation::Lanczos: return cv::INTER_LANCZOS4;
    case Interpolation::Bilinear: break;
  }
  return cv::INTER_LINEAR;
}

// Pillow's NEAREST, which Keras's load_img uses: the source pixel under each
// output pixel's centre, floor((x + 0.5) * in / out) (8 -> 4 takes 1, 3, 5, 7).
// OpenCV's INTER_NEAREST takes 0, 2, 4, 6, and its INTER_NEAREST_EXACT does too
// for exact 2x reductions (OpenCV 4.6), hence this loop over 8-bit pixels.
cv::Mat resize_nearest(const cv::Mat& m, int width, int height) {
  cv::Mat out(height, width, m.type());
  const size_t px = m.elemSize();
  std::vector<int> cols(static_cast<size_t>(width));
  for (int x = 0; x < width; ++x) {
    cols[static_cast<size_t>(x)] = std::min(m.cols - 1, static_cast<int>((x + 0.5) * m.cols / width));
  }
  for (int y = 0; y < height; ++y) {
    const uint8_t* src = m.ptr<uint8_t>(std::min(m.rows - 1, static_cast<int>((y + 0.5) * m.rows / height)));
    uint8_t* dst = out.ptr<uint8_t>(y);
    for (int x = 0; x < width; ++x) std::memcpy(dst + x * px, src + cols[static_cast<size_t>(x)] * px, px);
  }
  return out;
}

int imdecode_flags(ImageFormat format, ColorMode mode, int reduction) {
  const bool gray = mode == ColorMode::Grayscale;
  switch (reduction) {
    case 2: return gray ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_REDUCED_COLOR_2;
    case 4: return gray ? cv::IMREAD_REDUCED_GRAYSCALE_4 : cv::IMREAD_REDUCED_COLOR_4;
    case 8: return gray ? cv::IMREAD_REDUCED_GRAYSCALE_8 : cv::IMREAD_REDUCED_COLOR_8;
    default: break;
  }
  if (gray) return cv::IMREAD_GRAYSCALE;
  // JPEG has no alpha: decode as colour so EXIF orientation still applies.
  if (mode == ColorMode::Rgba && format != ImageFormat::Jpeg) return cv::IMREAD_UNCHANGED;
  return cv::IMREAD_COLOR;
}

// The centre crop with the target's aspect ratio, as Keras 1.1.2's load_img.
cv::Rect aspect_crop(int64_t height, int64_t width, ImageSize target) {
  const int64_t crop_h = std::min(height, width * target.height / target.width);
  const int64_t crop_w = std::min(width, height * target.width / target.height);
  return cv::Rect(static_cast<int>((width - crop_w) / 2), static_cast<int>((height - crop_h) / 2),
                  static_cast<int>(crop_w), static_cast<int>(crop_h));
}

cv::Mat to_8bit(const cv::Mat& m, const std::string& who) {
  if (m.depth() == CV_8U) return m;
  cv::Mat out;
  if (m.depth() == CV_16U) {
    m.convertTo(out, CV_8U, 1.0 / 257.0);  // 65535 -> 255, rounded
    return out;
  }
  throw DataError(who + ": expected 8- or 16-bit unsigned samples; received OpenCV depth " +
                  std::to_string(m.depth()) + " (" + std::to_string(m.elemSize1() * 8) +
                  "-bit). Hint: convert the file to 8-bit PNG or JPEG.");
}

// OpenCV's conversion code from its BGR(A)/gray layout with `channels` channels to
// `mode` in RGB order; -1 when the layout already matches, -2 for gray+alpha.
int conversion_code(int channels, ColorMode mode) {
  switch (mode) {
    case ColorMode::Grayscale:
      return channels == 1 ? -1 : channels == 3 ? cv::COLOR_BGR2GRAY : channels == 4 ? cv::COLOR_BGRA2GRAY : -2;
    case ColorMode::Rgba:
      return channels == 1 ? cv::COLOR_GRAY2RGBA : channels == 3 ? cv::COLOR_BGR2RGBA
             : channels == 4 ? cv::COLOR_BGRA2RGBA : -2;
    case ColorMode::Rgb: break;
  }
  return channels == 1 ? cv::COLOR_GRAY2RGB : channels == 3 ? cv::COLOR_BGR2RGB
         : channels == 4 ? cv::COLOR_BGRA2RGB : -2;
}

// Converts `m` into `out` (which wraps the Image's pixel buffer).
void convert_channels(const cv::Mat& m, ColorMode mode, cv::Mat& out) {
  const int code = conversion_code(m.channels(), mode);
  if (code == -1) {
    m.copyTo(out);
  } else if (code >= 0) {
    cv::cvtColor(m, out, code);
  } else {  // gray + alpha (2 channels)
    cv::Mat planes[2];
    cv::split(m, planes);
    if (mode == ColorMode::Rgba) {
      const cv::Mat rgba[4] = {planes[0], planes[0], planes[0], planes[1]};
      cv::merge(rgba, 4, out);
    } else if (mode == ColorMode::Rgb) {
      cv::cvtColor(planes[0], out, cv::COLOR_GRAY2RGB);
    } else {
      planes[0].copyTo(out);
    }
  }
}

// A decompression bomb is refused from the header, before OpenCV allocates.
void check_declared_size(const detail::DeclaredSize& d, ImageFormat format, const DecodeOptions& options,
                         const std::string& who) {
  if (!d.known) return;  // OpenCV's decoder rejects what the header walk cannot read
  const bool over_ours = options.max_pixels > 0 && d.pixels() > options.max_pixels;
  if (!over_ours && d.pixels() <= kOpenCvMaxImagePixels) return;
  const int64_t limit = over_ours ? options.max_pixels : kOpenCvMaxImagePixels;
  throw DataError(who + ": the " + detail::format_name(format) + " header declares " + std::to_string(d.width) + "x" +
                  std::to_string(d.height) + " = " + std::to_string(d.pixels()) + " pixels; expected at most " +
                  std::to_string(limit) + (over_ours ? " (--max-image-pixels, Pillow's MAX_IMAGE_PIXELS by default)"
                                                     : " (OpenCV's CV_IO_MAX_IMAGE_PIXELS)") +
                  ": a possible decompression bomb, not decoded." +
                  (over_ours ? "\nHint: if the image is genuine, raise --max-image-pixels." : ""));
}

// Truncation is reported as Pillow reports it ("image file is truncated").
[[noreturn]] void truncated(const std::string& who, const char* format, const std::string& expected, size_t size) {
  throw DataError(who + ": image file is truncated: " + format + " ends after " + std::to_string(size) +
                  " bytes; expected " + expected +
                  ".\nHint: the file was cut short (interrupted download or copy); fetch it again, or "
                  "--on-bad-image skip|warn.");
}

// Checks the structure of the bytes before decoding; returns the libjpeg reduction.
int check_and_plan(std::span<const uint8_t> bytes, ImageFormat format, const DecodeOptions& options,
                   const std::string& who, bool& is_truncated) {
  if (format != ImageFormat::Jpeg) check_declared_size(detail::declared_size(bytes, format), format, options, who);
  if (format == ImageFormat::Png && !detail::png_complete(bytes)) {
    if (!options.load_truncated) truncated(who, "PNG", "chunks up to IEND", bytes.size());
    is_truncated = true;
  }
  if (format != ImageFormat::Jpeg) return 1;
  const detail::JpegHeader header = detail::parse_jpeg(bytes);
  if (!header.has_frame) {
    throw DataError(who + ": expected a JPEG frame header (SOF marker); received none in " +
                    std::to_string(bytes.size()) + " bytes. The file is corrupt or truncated.");
  }
  check_declared_size({true, header.height, header.width}, format, options, who);
  if (!header.complete) {
    if (!options.load_truncated) {
      truncated(who, "JPEG", "the end-of-image marker FF D9 after the scan data", bytes.size());
    }
    is_truncated = true;
  }
  if (!options.target_size || !options.reduced_decode) return 1;
  const bool swapped = header.orientation >= 5;  // 90-degree turns swap height and width
  const int64_t h = swapped ? header.width : header.height;
  const int64_t w = swapped ? header.height : header.width;
  const ImageSize target = *options.target_size;
  if (options.keep_aspect_ratio) {
    const cv::Rect crop = aspect_crop(h, w, target);
    return detail::choose_reduction(crop.height, crop.width, target.height, target.width);
  }
  return detail::choose_reduction(h, w, target.height, target.width);
}

cv::Mat imdecode_checked(std::span<const uint8_t> bytes, int flags, ImageFormat format, const std::string& who) {
  const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
  cv::Mat m;
  try {
    m = cv::imdecode(encoded, flags);
  } catch (const cv::Exception& e) {
    // e.err is OpenCV's one-line reason; e.what() adds its source location.
    throw DataError(who + ": OpenCV failed to decode the " + detail::format_name(format) + " file: " +
                    escape_text(e.err, 200) + ".");
  }
  if (m.data == nullptr) {
    throw DataError(who + ": OpenCV could not decode this " + detail::format_name(format) +
                    " file (corrupt, or a variant OpenCV does not support); received " +
                    std::to_string(bytes.size()) + " bytes starting " + quote_bytes(bytes) + ".");
  }
  if (m.rows <= 0 || m.cols <= 0) {
    throw DataError(who + ": expected an image of at least 1x1 pixels; received " + std::to_string(m.rows) +
                    "x" + std::to_string(m.cols) + " after decoding.");
  }
  return m;
}

}  // namespace

Image decode_image_bytes(std::span<const uint8_t> bytes, const std::string& name, const DecodeOptions& options,
                         DecodeInfo* info) {
  const std::string who = "decode_image('" + name + "')";
  if (options.target_size && (options.target_size->height <= 0 || options.target_size->width <= 0)) {
    throw ConfigError(who + ": expected a positive target_size (height, width); received (" +
                      std::to_string(options.target_size->height) + ", " +
                      std::to_string(options.target_size->width) + ").");
  }
  if (bytes.empty()) throw DataError(who + ": expected an image; received an empty file (0 bytes).");
  const ImageFormat format = detail::sniff_format(bytes);
  if (format == ImageFormat::Unknown) {
    throw DataError(who + ": expected an image file (JPEG, PNG, BMP, PPM/PGM, TIFF or WebP signature); "
                    "received first bytes " + quote_bytes(bytes) +
                    ". Hint: the file is not an image (e.g. an HTML or text page saved under an image name).");
  }
  bool is_truncated = false;
  const int reduction = check_and_plan(bytes, format, options, who, is_truncated);
  cv::Mat m = imdecode_checked(bytes, imdecode_flags(format, options.color_mode, reduction), format, who);
  if (info != nullptr) *info = {detail::format_name(format), m.rows, m.cols, reduction, is_truncated};
  m = to_8bit(m, who);
  if (options.target_size) {
    const ImageSize target = *options.target_size;
    if (options.keep_aspect_ratio) m = m(aspect_crop(m.rows, m.cols, target));
    if (m.rows != target.height || m.cols != target.width) {
      const int w = static_cast<int>(target.width), h = static_cast<int>(target.height);
      if (options.interpolation == Interpolation::Nearest) {
        m = resize_nearest(m, w, h);
      } else {
        cv::Mat resized;
        cv::resize(m, resized, cv::Size(w, h), 0, 0, cv_interpolation(options.interpolation));
        m = resized;
      }
    }
  }
  Image image;
  image.height = m.rows;
  image.width = m.cols;
  image.channels = channels_of(options.color_mode);
  image.pixels.resize(static_cast<size_t>(image.size()));
  cv::Mat out(m.rows, m.cols, CV_8UC(static_cast<int>(image.channels)), image.pixels.data());
  convert_channels(m, options.color_mode, out);
  if (out.data != image.pixels.data()) {
    throw Error(who + ": internal error: channel conversion reallocated the output buffer.");
  }
  return image;
}

Image decode_image(const std::string& path, const DecodeOptions& options, DecodeInfo* info) {
  const std::vector<uint8_t> bytes = detail::read_file_bytes(path, "decode_image('" + path + "')");
  return decode_image_bytes(bytes, path, options, info);
}

void write_image(const std::string& path, const Image& image, int jpeg_quality) {
  const std::string who = "write_image('" + path + "')";
  if (image.channels != 1 && image.channels != 3 && image.channels != 4) {
    throw ConfigError(who + ": expected 1, 3 or 4 channels; received " + std::to_string(image.channels) + ".");
  }
  if (static_cast<int64_t>(image.pixels.size()) != image.size() || image.size() == 0) {
    throw ConfigError(who + ": expected " + std::to_string(image.size()) + " > 0 pixels for shape " +
                      to_string(image.shape()) + "; received " + std::to_string(image.pixels.size()) + ".");
  }
  const int c = static_cast<int>(image.channels);
  const cv::Mat rgb(static_cast<int>(image.height), static_cast<int>(image.width), CV_8UC(c),
                    const_cast<uint8_t*>(image.pixels.data()));
  cv::Mat bgr;
  if (c == 1) {
    bgr = rgb;
  } else {
    cv::cvtColor(rgb, bgr, c == 3 ? cv::COLOR_RGB2BGR : cv::COLOR_RGBA2BGRA);
  }
  bool ok = false;
  try {
    ok = cv::imwrite(path, bgr, {cv::IMWRITE_JPEG_QUALITY, jpeg_quality});
  } catch (const cv::Exception& e) {
    throw IoError(who + ": OpenCV could not write the file: " + e.what() +
                  " Hint: use an extension OpenCV knows (.png, .jpg, .bmp, .ppm, .tif, .webp).");
  }
  if (!ok) {
    throw IoError(who + ": OpenCV could not write the file (missing directory, no permission or unknown "
                  "extension). Hint: use an extension OpenCV knows (.png, .jpg, .bmp, .ppm, .tif, .webp).");
  }
}

}  // namespace petal
