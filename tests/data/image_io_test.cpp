// decode_image: formats, channel order, bit depths, alpha, palettes, EXIF
// orientation, reduced decoding and the errors for bad files.
#include "petal/data/image_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "data/image_fixtures.h"
#include "data/image_format.h"
#include "petal/core/error.h"
#include "testing/error_of.h"

#if __has_include(<jpeglib.h>)
#include <dlfcn.h>

#include <cstdio>
#include <jpeglib.h>
#define PETAL_TEST_HAVE_JPEGLIB 1
#endif

namespace petal {
namespace {

using image_testing::ImageTempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

using testing::error_of;

double mean_abs_diff(const Image& a, const Image& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int{a.pixels[i]} - int{b.pixels[i]});
  return sum / static_cast<double>(a.pixels.size());
}

// A textured test picture: gradients plus a coarse checkerboard.
Image picture(int64_t h, int64_t w) {
  return image_testing::make_rgb(h, w, [&](int64_t y, int64_t x) {
    const bool check = ((y / 24) + (x / 24)) % 2 == 0;
    return std::array<uint8_t, 3>{static_cast<uint8_t>(255 * x / w), static_cast<uint8_t>(255 * y / h),
                                  static_cast<uint8_t>(check ? 200 : 40)};
  });
}

TEST(DecodeImage, PngRgbComesOutInRgbOrder) {
  ImageTempDir dir;
  // Hand-written PNG: pixel 0 red, pixel 1 green, pixel 2 blue (PNG stores RGB).
  image_testing::PngSpec png{.width = 3, .height = 1, .color_type = 2,
                             .samples = {255, 0, 0, 0, 255, 0, 0, 0, 255}};
  image_testing::write_bytes(dir / "rgb.png", image_testing::encode_png(png));
  DecodeInfo info;
  const Image img = decode_image(dir / "rgb.png", {}, &info);
  EXPECT_EQ(img.shape(), (Shape{1, 3, 3}));
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255}));
  EXPECT_EQ(info.format, "PNG");
  const Tensor t = to_tensor(img);
  EXPECT_EQ(t.shape(), (Shape{1, 3, 3}));
  EXPECT_EQ(t.at({0, 2, 2}), 255.0f);
}

TEST(DecodeImage, BmpStoredBgrComesOutRgb) {
  ImageTempDir dir;
  const Image red = image_testing::solid_rgb(5, 7, 255, 0, 0);
  image_testing::write_bytes(dir / "red.bmp", image_testing::encode_bmp(red));
  const Image img = decode_image(dir / "red.bmp");
  EXPECT_EQ(img.pixels, red.pixels);
}

TEST(DecodeImage, WriteImageRoundTripsPngExactlyAndJpegClosely) {
  ImageTempDir dir;
  const Image red = image_testing::solid_rgb(16, 16, 255, 0, 0);
  write_image(dir / "red.png", red);
  EXPECT_EQ(decode_image(dir / "red.png").pixels, red.pixels);
  write_image(dir / "red.jpg", red);
  const Image jpg = decode_image(dir / "red.jpg");
  EXPECT_GT(jpg.at(8, 8, 0), 240);
  EXPECT_LT(jpg.at(8, 8, 1), 15);
  EXPECT_LT(jpg.at(8, 8, 2), 15);
}

TEST(DecodeImage, GrayscalePngInEachColorMode) {
  ImageTempDir dir;
  image_testing::PngSpec png{.width = 2, .height = 1, .color_type = 0, .samples = {10, 200}};
  image_testing::write_bytes(dir / "gray.png", image_testing::encode_png(png));
  const Image gray = decode_image(dir / "gray.png", {.color_mode = ColorMode::Grayscale});
  EXPECT_EQ(gray.shape(), (Shape{1, 2, 1}));
  EXPECT_EQ(gray.pixels, (std::vector<uint8_t>{10, 200}));
  EXPECT_EQ(decode_image(dir / "gray.png").pixels, (std::vector<uint8_t>{10, 10, 10, 200, 200, 200}));
  EXPECT_EQ(decode_image(dir / "gray.png", {.color_mode = ColorMode::Rgba}).pixels,
            (std::vector<uint8_t>{10, 10, 10, 255, 200, 200, 200, 255}));
}

TEST(DecodeImage, SixteenBitPngIsScaledToEightBits) {
  ImageTempDir dir;
  // Gray 16-bit samples 0, 100*257, 65535 -> 0, 100, 255.
  image_testing::PngSpec gray{.width = 3, .height = 1, .bit_depth = 16, .color_type = 0,
                              .samples = {0, 0, 0x64, 0x64, 0xFF, 0xFF}};
  image_testing::write_bytes(dir / "g16.png", image_testing::encode_png(gray));
  for (ColorMode mode : {ColorMode::Grayscale, ColorMode::Rgb, ColorMode::Rgba}) {
    const Image img = decode_image(dir / "g16.png", {.color_mode = mode});
    ASSERT_EQ(img.shape(), (Shape{1, 3, channels_of(mode)})) << to_string(mode);
    EXPECT_EQ(img.at(0, 0, 0), 0) << to_string(mode);
    EXPECT_EQ(img.at(0, 1, 0), 100) << to_string(mode);
    EXPECT_EQ(img.at(0, 2, 0), 255) << to_string(mode);
  }
  // RGBA 16-bit: one pixel (65535, 0, 257*50, 257*128).
  image_testing::PngSpec rgba{.width = 1, .height = 1, .bit_depth = 16, .color_type = 6,
                              .samples = {0xFF, 0xFF, 0, 0, 0x32, 0x32, 0x80, 0x80}};
  image_testing::write_bytes(dir / "c16.png", image_testing::encode_png(rgba));
  EXPECT_EQ(decode_image(dir / "c16.png", {.color_mode = ColorMode::Rgba}).pixels,
            (std::vector<uint8_t>{255, 0, 50, 128}));
  EXPECT_EQ(decode_image(dir / "c16.png").pixels, (std::vector<uint8_t>{255, 0, 50}));
}

TEST(DecodeImage, AlphaIsDroppedOrKeptByColorMode) {
  ImageTempDir dir;
  image_testing::PngSpec png{.width = 2, .height = 1, .color_type = 6,
                             .samples = {255, 0, 0, 0, 0, 0, 255, 128}};
  image_testing::write_bytes(dir / "a.png", image_testing::encode_png(png));
  // Rgb keeps the colour under a transparent pixel (no compositing).
  EXPECT_EQ(decode_image(dir / "a.png").pixels, (std::vector<uint8_t>{255, 0, 0, 0, 0, 255}));
  EXPECT_EQ(decode_image(dir / "a.png", {.color_mode = ColorMode::Rgba}).pixels,
            (std::vector<uint8_t>{255, 0, 0, 0, 0, 0, 255, 128}));
  const Image gray = decode_image(dir / "a.png", {.color_mode = ColorMode::Grayscale});
  EXPECT_NEAR(gray.at(0, 0, 0), 0.299 * 255, 1.0);
  EXPECT_NEAR(gray.at(0, 1, 0), 0.114 * 255, 1.0);
}

TEST(DecodeImage, GrayAlphaPngInEachColorMode) {
  ImageTempDir dir;
  image_testing::PngSpec png{.width = 1, .height = 1, .color_type = 4, .samples = {100, 50}};
  image_testing::write_bytes(dir / "ga.png", image_testing::encode_png(png));
  EXPECT_EQ(decode_image(dir / "ga.png").pixels, (std::vector<uint8_t>{100, 100, 100}));
  EXPECT_EQ(decode_image(dir / "ga.png", {.color_mode = ColorMode::Rgba}).pixels,
            (std::vector<uint8_t>{100, 100, 100, 50}));
  EXPECT_EQ(decode_image(dir / "ga.png", {.color_mode = ColorMode::Grayscale}).pixels, (std::vector<uint8_t>{100}));
}

TEST(DecodeImage, PalettePngIsExpanded) {
  ImageTempDir dir;
  image_testing::PngSpec png{.width = 3, .height = 1, .color_type = 3, .samples = {1, 0, 2},
                             .palette = {{{0, 255, 0}}, {{255, 0, 0}}, {{0, 0, 255}}}, .trns = {255, 255, 64}};
  image_testing::write_bytes(dir / "p.png", image_testing::encode_png(png));
  EXPECT_EQ(decode_image(dir / "p.png").pixels, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255}));
  EXPECT_EQ(decode_image(dir / "p.png", {.color_mode = ColorMode::Rgba}).pixels,
            (std::vector<uint8_t>{255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 64}));
}

TEST(DecodeImage, ResizesToTargetWithTheChosenInterpolation) {
  ImageTempDir dir;
  // 2x2 -> 4x4 nearest: each pixel becomes a 2x2 block.
  image_testing::PngSpec png{.width = 2, .height = 2, .color_type = 0, .samples = {0, 50, 100, 150}};
  image_testing::write_bytes(dir / "q.png", image_testing::encode_png(png));
  const Image img = decode_image(dir / "q.png", {.target_size = ImageSize{4, 4},
                                                 .color_mode = ColorMode::Grayscale,
                                                 .interpolation = Interpolation::Nearest});
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{0, 0, 50, 50, 0, 0, 50, 50, 100, 100, 150, 150, 100, 100, 150, 150}));
  const Image wide = decode_image(dir / "q.png", {.target_size = ImageSize{3, 5}});
  EXPECT_EQ(wide.shape(), (Shape{3, 5, 3}));
}

TEST(DecodeImage, KeepAspectRatioCropsTheCentre) {
  ImageTempDir dir;
  // 2 rows x 6 columns: columns 0-1 black, 2-3 white, 4-5 black. A 1x1 target
  // with keep_aspect_ratio crops the centre 2x2 (white).
  image_testing::PngSpec png{.width = 6, .height = 2, .color_type = 0,
                             .samples = {0, 0, 255, 255, 0, 0, 0, 0, 255, 255, 0, 0}};
  image_testing::write_bytes(dir / "w.png", image_testing::encode_png(png));
  const Image img = decode_image(dir / "w.png", {.target_size = ImageSize{1, 1},
                                                 .color_mode = ColorMode::Grayscale,
                                                 .interpolation = Interpolation::Area,
                                                 .keep_aspect_ratio = true});
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{255}));
}

TEST(DecodeImage, HonoursExifOrientationInFullAndReducedDecode) {
  ImageTempDir dir;
  // Stored 200 rows x 400 columns: left half red, right half blue. Orientation 6
  // (rotate 90 degrees clockwise to display): 400 rows x 200 columns, red on top.
  const Image stored = image_testing::make_rgb(200, 400, [](int64_t, int64_t x) {
    return x < 200 ? std::array<uint8_t, 3>{255, 0, 0} : std::array<uint8_t, 3>{0, 0, 255};
  });
  write_image(dir / "plain.jpg", stored);
  const auto exif = image_testing::with_exif_orientation(image_testing::read_bytes(dir / "plain.jpg"), 6);
  image_testing::write_bytes(dir / "rotated.jpg", exif);
  EXPECT_EQ(detail::parse_jpeg(exif).orientation, 6);

  const Image full = decode_image(dir / "rotated.jpg");
  ASSERT_EQ(full.shape(), (Shape{400, 200, 3}));
  EXPECT_GT(full.at(50, 100, 0), 200);
  EXPECT_GT(full.at(350, 100, 2), 200);

  // Target 100x50: the oriented 400x200 allows 1/4 (the stored 200x400 would allow
  // only 1/2 for this target, so this also checks that orientation is used).
  DecodeInfo info;
  const Image small = decode_image(dir / "rotated.jpg", {.target_size = ImageSize{100, 50}}, &info);
  EXPECT_EQ(info.reduction, 4);
  EXPECT_EQ(info.decoded_height, 100);
  EXPECT_EQ(info.decoded_width, 50);
  ASSERT_EQ(small.shape(), (Shape{100, 50, 3}));
  EXPECT_GT(small.at(10, 25, 0), 200);
  EXPECT_LT(small.at(10, 25, 2), 50);
  EXPECT_GT(small.at(90, 25, 2), 200);
}

TEST(DecodeImage, ReducedDecodeIsUsedWhenTheTargetIsSmallAndMatchesFullDecode) {
  ImageTempDir dir;
  write_image(dir / "big.jpg", picture(384, 512), 92);
  const ImageSize target{64, 64};
  for (Interpolation interp : {Interpolation::Area, Interpolation::Bilinear}) {
    DecodeInfo reduced_info, full_info;
    const Image reduced = decode_image(dir / "big.jpg", {.target_size = target, .interpolation = interp}, &reduced_info);
    const Image full = decode_image(dir / "big.jpg", {.target_size = target, .interpolation = interp,
                                                      .reduced_decode = false}, &full_info);
    // 384/8 = 48 < 64, 384/4 = 96 >= 64: 1/4 is the largest allowed scale.
    EXPECT_EQ(reduced_info.reduction, 4);
    EXPECT_EQ(reduced_info.decoded_height, 96);
    EXPECT_EQ(reduced_info.decoded_width, 128);
    EXPECT_EQ(full_info.reduction, 1);
    EXPECT_EQ(full_info.decoded_height, 384);
    EXPECT_LT(mean_abs_diff(reduced, full), interp == Interpolation::Area ? 4.0 : 6.0) << to_string(interp);
  }
  // No reduction without a target, or when the target is large.
  DecodeInfo info;
  decode_image(dir / "big.jpg", {}, &info);
  EXPECT_EQ(info.reduction, 1);
  decode_image(dir / "big.jpg", {.target_size = ImageSize{300, 300}}, &info);
  EXPECT_EQ(info.reduction, 1);
  decode_image(dir / "big.jpg", {.target_size = ImageSize{150, 200}}, &info);
  EXPECT_EQ(info.reduction, 2);
  decode_image(dir / "big.jpg", {.target_size = ImageSize{48, 64}, .color_mode = ColorMode::Grayscale}, &info);
  EXPECT_EQ(info.reduction, 8);
}

TEST(ChooseReduction, LargestScaleStillCoveringTheTarget) {
  EXPECT_EQ(detail::choose_reduction(500, 667, 64, 64), 4);   // 125 x 167; 1/8 gives 63 x 84
  EXPECT_EQ(detail::choose_reduction(512, 512, 64, 64), 8);   // exactly 64 x 64
  EXPECT_EQ(detail::choose_reduction(513, 513, 64, 64), 8);   // ceil(513/8) = 65
  EXPECT_EQ(detail::choose_reduction(100, 100, 64, 64), 1);
  EXPECT_EQ(detail::choose_reduction(128, 1000, 64, 64), 2);
}

TEST(DecodeImage, MissingFileNamesIt) {
  EXPECT_THAT(error_of<DataError>([] { decode_image("/nonexistent/petal/x.jpg"); }),
              AllOf(HasSubstr("decode_image('/nonexistent/petal/x.jpg')"), HasSubstr("does not exist")));
}

TEST(DecodeImage, TextFileNamedJpgQuotesItsFirstBytes) {
  ImageTempDir dir;
  const std::string text = "<html>not found</html>";
  image_testing::write_bytes(dir / "page.jpg", std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_THAT(error_of<DataError>([&] { decode_image(dir / "page.jpg"); }),
              AllOf(HasSubstr("page.jpg"), HasSubstr("expected an image file"), HasSubstr("'<html>no'"),
                    HasSubstr("Hint:")));
}

TEST(DecodeImage, EmptyFileIsAnError) {
  ImageTempDir dir;
  image_testing::write_bytes(dir / "empty.png", {});
  EXPECT_THAT(error_of<DataError>([&] { decode_image(dir / "empty.png"); }),
              AllOf(HasSubstr("empty.png"), HasSubstr("empty file (0 bytes)")));
}

TEST(DecodeImage, TruncatedJpegIsDetected) {
  ImageTempDir dir;
  write_image(dir / "whole.jpg", picture(64, 64));
  std::vector<uint8_t> bytes = image_testing::read_bytes(dir / "whole.jpg");
  EXPECT_TRUE(detail::parse_jpeg(bytes).complete);
  bytes.resize(bytes.size() * 6 / 10);
  EXPECT_FALSE(detail::parse_jpeg(bytes).complete);
  image_testing::write_bytes(dir / "cut.jpg", bytes);
  EXPECT_THAT(error_of<DataError>([&] { decode_image(dir / "cut.jpg"); }),
              AllOf(HasSubstr("cut.jpg"), HasSubstr("image file is truncated: JPEG"), HasSubstr("FF D9"),
                    HasSubstr(std::to_string(bytes.size()) + " bytes")));
  // Cut inside the headers, before any frame header.
  bytes.resize(20);
  image_testing::write_bytes(dir / "stub.jpg", bytes);
  EXPECT_THAT(error_of<DataError>([&] { decode_image(dir / "stub.jpg"); }), HasSubstr("SOF"));
}

TEST(DecodeImage, TruncatedPngIsDetected) {
  ImageTempDir dir;
  write_image(dir / "whole.png", picture(32, 32));
  std::vector<uint8_t> bytes = image_testing::read_bytes(dir / "whole.png");
  bytes.resize(bytes.size() - 20);
  image_testing::write_bytes(dir / "cut.png", bytes);
  EXPECT_THAT(error_of<DataError>([&] { decode_image(dir / "cut.png"); }),
              AllOf(HasSubstr("cut.png"), HasSubstr("image file is truncated: PNG")));
}

TEST(DecodeImage, ZeroSizedImageIsAnError) {
  ImageTempDir dir;
  // A structurally complete PNG whose header says 0 x 0 pixels.
  image_testing::PngSpec png{.width = 0, .height = 0, .color_type = 0, .samples = {}};
  image_testing::write_bytes(dir / "zero.png", image_testing::encode_png(png));
  EXPECT_THAT(error_of<DataError>([&] { decode_image(dir / "zero.png"); }), HasSubstr("zero.png"));
}

TEST(DecodeImage, BadTargetSizeIsAConfigError) {
  ImageTempDir dir;
  write_image(dir / "a.png", picture(8, 8));
  EXPECT_THROW(decode_image(dir / "a.png", {.target_size = ImageSize{0, 4}}), ConfigError);
}

TEST(QuoteBytes, EscapesNonPrintableBytes) {
  const std::vector<uint8_t> zip = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0};
  EXPECT_EQ(quote_bytes(zip, 4), "'PK\\x03\\x04'...");
}

#ifdef PETAL_TEST_HAVE_JPEGLIB
// A CMYK JPEG written with libjpeg loaded at run time (OpenCV cannot write CMYK).
// Values are stored as given (Adobe's inverted convention: 255 = no ink).
std::vector<uint8_t> cmyk_jpeg(int height, int width, std::array<uint8_t, 4> cmyk) {
  void* lib = dlopen("libjpeg.so.62", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return {};
  auto sym = [&](const char* name) { return dlsym(lib, name); };
  using Ptr = j_compress_ptr;
  auto std_error = reinterpret_cast<jpeg_error_mgr* (*)(jpeg_error_mgr*)>(sym("jpeg_std_error"));
  auto create = reinterpret_cast<void (*)(Ptr, int, size_t)>(sym("jpeg_CreateCompress"));
  auto mem_dest = reinterpret_cast<void (*)(Ptr, unsigned char**, unsigned long*)>(sym("jpeg_mem_dest"));
  auto set_defaults = reinterpret_cast<void (*)(Ptr)>(sym("jpeg_set_defaults"));
  auto set_colorspace = reinterpret_cast<void (*)(Ptr, J_COLOR_SPACE)>(sym("jpeg_set_colorspace"));
  auto start = reinterpret_cast<void (*)(Ptr, boolean)>(sym("jpeg_start_compress"));
  auto write = reinterpret_cast<JDIMENSION (*)(Ptr, JSAMPARRAY, JDIMENSION)>(sym("jpeg_write_scanlines"));
  auto finish = reinterpret_cast<void (*)(Ptr)>(sym("jpeg_finish_compress"));
  auto destroy = reinterpret_cast<void (*)(Ptr)>(sym("jpeg_destroy_compress"));
  if (!std_error || !create || !mem_dest || !set_defaults || !set_colorspace || !start || !write || !finish ||
      !destroy) {
    dlclose(lib);
    return {};
  }
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = std_error(&jerr);
  create(&cinfo, JPEG_LIB_VERSION, sizeof(cinfo));
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  set_defaults(&cinfo);
  set_colorspace(&cinfo, JCS_CMYK);
  start(&cinfo, TRUE);
  std::vector<JSAMPLE> row(static_cast<size_t>(width) * 4);
  for (int x = 0; x < width; ++x) std::copy(cmyk.begin(), cmyk.end(), row.begin() + 4 * x);
  for (int y = 0; y < height; ++y) {
    JSAMPROW rows[1] = {row.data()};
    write(&cinfo, rows, 1);
  }
  finish(&cinfo);
  std::vector<uint8_t> out(buffer, buffer + size);
  std::free(buffer);
  destroy(&cinfo);
  dlclose(lib);
  return out;
}

TEST(DecodeImage, CmykJpegIsConvertedToRgb) {
  // Red in Adobe's inverted CMYK: C = 0, M = Y = 100% ink, K = 0 -> stored 255, 0, 0, 255.
  const std::vector<uint8_t> bytes = cmyk_jpeg(16, 16, {255, 0, 0, 255});
  if (bytes.empty()) GTEST_SKIP() << "libjpeg.so.62 could not be loaded to write a CMYK JPEG";
  EXPECT_EQ(detail::parse_jpeg(bytes).components, 4);
  const Image img = decode_image_bytes(bytes, "cmyk.jpg");
  ASSERT_EQ(img.shape(), (Shape{16, 16, 3}));
  EXPECT_GT(img.at(8, 8, 0), 230);
  EXPECT_LT(img.at(8, 8, 1), 25);
  EXPECT_LT(img.at(8, 8, 2), 25);
  const Image gray = decode_image_bytes(bytes, "cmyk.jpg", {.target_size = ImageSize{4, 4},
                                                            .color_mode = ColorMode::Grayscale});
  EXPECT_EQ(gray.shape(), (Shape{4, 4, 1}));
}
#else
TEST(DecodeImage, CmykJpegIsConvertedToRgb) {
  GTEST_SKIP() << "jpeglib.h is not installed, so no CMYK JPEG can be written for this test "
                  "(OpenCV cannot write CMYK)";
}
#endif

}  // namespace
}  // namespace petal
