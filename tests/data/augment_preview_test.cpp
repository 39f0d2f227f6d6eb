// write_augmented_samples: file names and count, sizes, seeded reproducibility, an
// identity generator writing the source back, folder sources, and bad arguments.
#include "petal/data/augment_preview.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "image_fixtures.h"
#include "petal/core/error.h"
#include "petal/data/image_data_generator.h"
#include "petal/data/image_io.h"

namespace petal {
namespace {

using image_testing::ImageTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// write_image into a folder created on demand.
void put_image(const std::string& path, const Image& image) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  write_image(path, image);
}

// 16x16, red 0..255 across columns, green down rows: min 0 and max 255, so the
// min-max scaling on writing leaves it unchanged.
Image ramp() {
  return image_testing::make_rgb(16, 16, [](int64_t y, int64_t x) {
    return std::array<uint8_t, 3>{static_cast<uint8_t>(x * 17), static_cast<uint8_t>(y * 16),
                                  static_cast<uint8_t>(255 - x * 17)};
  });
}

ImageDataGenerator tutorial_generator() {
  return ImageDataGenerator({.rotation_range = 20,
                             .width_shift_range = 0.2,
                             .height_shift_range = 0.2,
                             .shear_range = 0.15,
                             .zoom_range = 0.15,
                             .horizontal_flip = true});
}

TEST(AugmentPreview, WritesCountNumberedFilesReproduciblyFromTheSeed) {
  ImageTempDir dir;
  write_image(dir / "src.png", ramp());
  const AugmentPreviewOptions o{.count = 12, .seed = 4, .out_dir = dir / "a", .prefix = "aug"};
  const auto paths = write_augmented_samples(tutorial_generator(), dir / "src.png", o);
  ASSERT_EQ(paths.size(), 12u);
  EXPECT_EQ(paths[0], dir / "a/aug_00.png");
  EXPECT_EQ(paths[11], dir / "a/aug_11.png");
  auto again = o;
  again.out_dir = dir / "b";
  const auto copies = write_augmented_samples(tutorial_generator(), dir / "src.png", again);
  again.out_dir = dir / "c";
  again.seed = 5;
  const auto other = write_augmented_samples(tutorial_generator(), dir / "src.png", again);
  const Image source = ramp();
  for (size_t k = 0; k < paths.size(); ++k) {
    const Image img = decode_image(paths[k]);
    EXPECT_EQ(img.shape(), (Shape{16, 16, 3}));
    EXPECT_NE(img.pixels, source.pixels) << k;
    EXPECT_EQ(img.pixels, decode_image(copies[k]).pixels) << k;
    EXPECT_NE(img.pixels, decode_image(other[k]).pixels) << k;
  }
  EXPECT_NE(decode_image(paths[0]).pixels, decode_image(paths[1]).pixels);
}

TEST(AugmentPreview, IdentityGeneratorWritesTheSourceBackAtTheTargetSize) {
  ImageTempDir dir;
  write_image(dir / "src.png", ramp());
  const auto paths = write_augmented_samples(ImageDataGenerator(), dir / "src.png",
                                             {.count = 2, .out_dir = dir / "out"});
  ASSERT_EQ(paths.size(), 2u);
  for (const auto& p : paths) EXPECT_EQ(decode_image(p).pixels, ramp().pixels);
  const auto small = write_augmented_samples(
      tutorial_generator(), dir / "src.png",
      {.count = 1, .target_size = ImageSize{8, 4}, .out_dir = dir / "small", .format = "bmp"});
  EXPECT_THAT(small, ElementsAre(dir / "small/image_0.bmp"));
  EXPECT_EQ(decode_image(small[0]).shape(), (Shape{8, 4, 3}));
}

TEST(AugmentPreview, FolderSourcesCycleThroughTheirImages) {
  ImageTempDir dir;
  for (int c = 0; c < 3; ++c)
    put_image(dir / ("data/class" + std::to_string(c) + "/a.png"),
                image_testing::solid_rgb(8, 8, static_cast<uint8_t>(60 * c), 0, 255));
  const auto paths = write_augmented_samples(ImageDataGenerator(), dir / "data",
                                             {.count = 6, .out_dir = dir / "out"});
  ASSERT_EQ(paths.size(), 6u);
  std::vector<int> reds;  // min 0 (green) and max 255 (blue): red is written unchanged
  for (const auto& p : paths) reds.push_back(decode_image(p).pixels[0]);
  // Each of the three sources appears once in the first three, then again in that order.
  std::vector<int> first(reds.begin(), reds.begin() + 3);
  EXPECT_EQ(first, std::vector<int>(reds.begin() + 3, reds.end()));
  std::sort(first.begin(), first.end());
  EXPECT_THAT(first, ElementsAre(0, 60, 120));
}

TEST(AugmentPreview, BadArgumentsThrow) {
  ImageTempDir dir;
  write_image(dir / "src.png", ramp());
  const ImageDataGenerator g;
  EXPECT_THAT([&] { write_augmented_samples(g, dir / "src.png", {.count = 0, .out_dir = dir / "o"}); },
              ThrowsMessage<ConfigError>(HasSubstr("count must be >= 1; received 0")));
  EXPECT_THAT([&] { write_augmented_samples(g, dir / "src.png", {.count = 1}); },
              ThrowsMessage<ConfigError>(HasSubstr("out_dir must name a folder")));
  EXPECT_THAT([&] { write_augmented_samples(g, dir / "src.png", {.out_dir = dir / "o", .format = "gif"}); },
              ThrowsMessage<ConfigError>(HasSubstr("received 'gif'")));
  EXPECT_THAT([&] { write_augmented_samples(g, dir / "nope", {.out_dir = dir / "o"}); },
              ThrowsMessage<DataError>(HasSubstr("nope')")));
  image_testing::write_bytes(dir / "bad.png", {'x'});
  EXPECT_THAT([&] { write_augmented_samples(g, dir / "bad.png", {.out_dir = dir / "o"}); },
              ThrowsMessage<DataError>(HasSubstr("bad.png")));
}

}  // namespace
}  // namespace petal
