// interpolation='nearest' picks the source pixels Pillow's NEAREST picks (pixel
// centres: 8 -> 4 takes 1, 3, 5, 7), checked against Pillow itself
// (tests/data/pillow_nearest.py) on odd up- and down-scales.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "data/image_fixtures.h"
#include "petal/data/image_io.h"

namespace petal {
namespace {

using image_testing::ImageTempDir;

struct Case {
  uint32_t width, height;
  int64_t out_width, out_height;
};

TEST(DecodeImage, NearestPicksPillowsPixels) {
  ImageTempDir dir;
  const std::vector<Case> cases{{8, 1, 4, 1}, {7, 5, 3, 2}, {7, 5, 11, 9}, {13, 6, 5, 4}, {6, 13, 4, 7}};
  std::string cmd = std::string(PETAL_PYTHON) + " " + PETAL_SOURCE_DIR + "/tests/data/pillow_nearest.py";
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    image_testing::PngSpec png{.width = c.width, .height = c.height, .color_type = 0};
    for (uint32_t i = 0; i < c.width * c.height; ++i) png.samples.push_back(static_cast<uint8_t>(i * 7 % 251));
    const std::string base = (dir / ("c" + std::to_string(k))).string();
    image_testing::write_bytes(base + ".png", image_testing::encode_png(png));
    cmd += " " + base + ".png " + std::to_string(c.out_width) + " " + std::to_string(c.out_height) + " " + base +
           ".raw";
  }
  ASSERT_EQ(std::system((cmd + " > " + (dir / "log.txt").string() + " 2>&1").c_str()), 0)
      << "Pillow reference failed; see " << (dir / "log.txt");
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    const std::string base = (dir / ("c" + std::to_string(k))).string();
    const Image ours = decode_image(base + ".png", {.target_size = ImageSize{c.out_height, c.out_width},
                                                     .color_mode = ColorMode::Grayscale,
                                                     .interpolation = Interpolation::Nearest});
    EXPECT_EQ(ours.pixels, image_testing::read_bytes(base + ".raw"))
        << c.width << "x" << c.height << " -> " << c.out_width << "x" << c.out_height;
  }
}

}  // namespace
}  // namespace petal
