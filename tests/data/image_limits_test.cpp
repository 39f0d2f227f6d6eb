// Decompression bombs refused from the header before OpenCV allocates (every
// format's declared size), and truncated files reported as Pillow reports them or,
// on request, kept as far as they decode.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/image_fixtures.h"
#include "data/image_format.h"
#include "data/image_header.h"
#include "io/zip.h"
#include "petal/core/error.h"
#include "petal/data/image_io.h"
#include "testing/error_of.h"

namespace petal {
namespace {

using image_testing::ImageTempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::error_of;

Image gradient(int64_t h, int64_t w) {
  Image img{h, w, 3, std::vector<uint8_t>(static_cast<size_t>(h * w * 3))};
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>((i * 7) % 251);
  return img;
}

// A structurally complete PNG (IHDR, IDAT, IEND) whose IDAT holds `idat`.
std::vector<uint8_t> png_with(uint32_t width, uint32_t height, uint8_t depth, uint8_t color,
                              const std::vector<uint8_t>& idat) {
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, ihdr;
  image_testing::put_be32(ihdr, width);
  image_testing::put_be32(ihdr, height);
  ihdr.insert(ihdr.end(), {depth, color, 0, 0, 0});
  image_testing::png_chunk(out, "IHDR", ihdr);
  image_testing::png_chunk(out, "IDAT", idat);
  image_testing::png_chunk(out, "IEND", {});
  return out;
}

TEST(ImageLimits, DeclaredSizeOfEveryFormatIsTheDecodedSize) {
  ImageTempDir dir;
  for (const char* ext : {"png", "jpg", "bmp", "ppm", "tif", "webp"}) {
    const std::string path = (dir.path() / "a.").string() + ext;
    write_image(path, gradient(13, 21));
    const auto bytes = image_testing::read_bytes(path);
    const detail::DeclaredSize d = detail::declared_size(bytes, detail::sniff_format(bytes));
    EXPECT_TRUE(d.known) << ext;
    EXPECT_EQ(d.height, 13) << ext;
    EXPECT_EQ(d.width, 21) << ext;
  }
}

// Found by fuzz_image_header: a 30-byte WebP whose VP8X header ends the file was
// read one byte past its end (ASan in the sanitizer run; here, the sizes).
TEST(ImageLimits, ShortestWebpExtendedHeaderIsReadWithinItsBytes) {
  std::vector<uint8_t> webp = {'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X', 10, 0, 0, 0,
                               0, 0, 0, 0, 0x0F, 0x27, 0, 0x1F, 0x4E, 0};  // 10000 x 20000
  const detail::DeclaredSize d = detail::declared_size(webp, detail::ImageFormat::Webp);
  EXPECT_TRUE(d.known);
  EXPECT_EQ(d.width, 10000);
  EXPECT_EQ(d.height, 20000);
  EXPECT_THAT(error_of<DataError>([&] { decode_image_bytes(webp, "canvas.webp"); }),
              HasSubstr("WebP header declares 10000x20000 = 200000000 pixels"));
}

TEST(ImageLimits, PngDeclaring65535SquaredIsRefusedFromItsHeader) {
  const auto bomb = png_with(65535, 65535, 8, 2, image_testing::zlib_stored({}));
  const std::string e = error_of<DataError>([&] { decode_image_bytes(bomb, "bomb.png"); });
  EXPECT_THAT(e, AllOf(HasSubstr("bomb.png"), HasSubstr("PNG header declares 65535x65535 = 4294836225 pixels"),
                       HasSubstr("at most 89478485"), HasSubstr("decompression bomb"), Not(HasSubstr("OpenCV("))));
  // Without petal's limit, OpenCV's own is named instead of its assertion text.
  const std::string opencv = error_of<DataError>([&] { decode_image_bytes(bomb, "bomb.png", {.max_pixels = 0}); });
  EXPECT_THAT(opencv, AllOf(HasSubstr("at most 1073741824 (OpenCV's CV_IO_MAX_IMAGE_PIXELS)"),
                            Not(HasSubstr("Assertion"))));
}

TEST(ImageLimits, JpegDeclaring65500SquaredIsRefusedFromItsHeader) {
  ImageTempDir dir;
  write_image((dir.path() / "a.jpg").string(), gradient(16, 16));
  auto bytes = image_testing::read_bytes((dir.path() / "a.jpg").string());
  for (size_t i = 2; i + 8 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {  // SOF0: length(2) precision(1) height(2) width(2)
      bytes[i + 5] = 0xFF, bytes[i + 6] = 0xDC, bytes[i + 7] = 0xFF, bytes[i + 8] = 0xDC;
      break;
    }
  }
  EXPECT_THAT(error_of<DataError>([&] { decode_image_bytes(bytes, "bomb.jpg"); }),
              HasSubstr("JPEG header declares 65500x65500 = 4290250000 pixels"));
}

// A real, valid 30000 x 30000 1-bit PNG (110 KiB compressed, 900 M pixels).
TEST(ImageLimits, ARealThirtyThousandSquarePngIsRefusedFromItsHeader) {
  const uint32_t side = 30000, row = 1 + side / 8;
  const std::vector<std::byte> raw(static_cast<size_t>(row) * side, std::byte{0});
  const std::vector<std::byte> deflated = detail::deflate_raw(raw);
  std::vector<uint8_t> zlib = {0x78, 0x9C};
  for (std::byte b : deflated) zlib.push_back(static_cast<uint8_t>(b));
  image_testing::put_be32(zlib, (static_cast<uint32_t>(raw.size() % 65521) << 16) | 1);  // adler32 of zeros
  const auto png = png_with(side, side, 1, 0, zlib);
  EXPECT_THAT(error_of<DataError>([&] { decode_image_bytes(png, "big.png"); }),
              AllOf(HasSubstr("30000x30000 = 900000000 pixels"), HasSubstr("--max-image-pixels"),
                    Not(HasSubstr("OpenCV("))));
}

TEST(ImageLimits, TheLimitIsAnOption) {
  const Image img = gradient(100, 100);
  ImageTempDir dir;
  write_image((dir.path() / "a.png").string(), img);
  const std::string path = (dir.path() / "a.png").string();
  EXPECT_THAT(error_of<DataError>([&] { decode_image(path, {.max_pixels = 9999}); }), HasSubstr("at most 9999"));
  EXPECT_EQ(decode_image(path, {.max_pixels = 10000}).pixels, img.pixels);
}

TEST(ImageTruncation, LoadTruncatedKeepsWhatDecodesAndSaysSo) {
  ImageTempDir dir;
  write_image((dir.path() / "whole.jpg").string(), gradient(64, 64));
  auto bytes = image_testing::read_bytes((dir.path() / "whole.jpg").string());
  bytes.resize(bytes.size() * 7 / 10);
  EXPECT_THAT(error_of<DataError>([&] { decode_image_bytes(bytes, "cut.jpg"); }), HasSubstr("image file is truncated"));
  DecodeInfo info;
  const Image kept = decode_image_bytes(bytes, "cut.jpg", {.load_truncated = true}, &info);
  EXPECT_TRUE(info.truncated);
  EXPECT_EQ(kept.height, 64);
  EXPECT_EQ(kept.width, 64);
  write_image((dir.path() / "whole.png").string(), gradient(8, 8));
  DecodeInfo whole;
  decode_image((dir.path() / "whole.png").string(), {.load_truncated = true}, &whole);
  EXPECT_FALSE(whole.truncated);
}

}  // namespace
}  // namespace petal
