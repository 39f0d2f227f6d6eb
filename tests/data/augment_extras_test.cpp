// ImageDataGenerator's non-Keras augmentations: random resized crop (box
// geometry against the scale and ratio ranges, the crop resized back exactly),
// colour jitter, random erasing (rate, box, fill), reproducibility from the
// seed, and that with them off the Keras draws and results are untouched.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "data/augment_extras.h"
#include "petal/core/error.h"
#include "petal/data/image_data_generator.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

ImageDataGeneratorOptions keras_options() {
  ImageDataGeneratorOptions o;
  o.rotation_range = 15;
  o.width_shift_range = 0.1;
  o.zoom_range = 0.2;
  o.horizontal_flip = true;
  o.brightness_range = {0.8, 1.2};
  return o;
}

ImageDataGeneratorOptions all_extras(ImageDataGeneratorOptions o) {
  o.random_resized_crop_scale = {0.2, 1.0};
  o.brightness_jitter = o.contrast_jitter = o.saturation_jitter = 0.4;
  o.random_erasing = 0.5;
  return o;
}

TEST(AugmentExtras, OffLeavesTheKerasStreamAndOnDrawsAfterIt) {
  const ImageDataGenerator keras(keras_options()), extras(all_extras(keras_options()));
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Rng a(seed), b(seed);
    const TransformParams pa = keras.get_random_transform({20, 24, 3}, a);
    const TransformParams pb = extras.get_random_transform({20, 24, 3}, b);
    EXPECT_EQ(pa.theta, pb.theta);
    EXPECT_EQ(pa.ty, pb.ty);
    EXPECT_EQ(pa.zx, pb.zx);
    EXPECT_EQ(pa.flip_horizontal, pb.flip_horizontal);
    EXPECT_EQ(pa.brightness, pb.brightness);
    EXPECT_FALSE(pa.crop || pa.brightness_factor || pa.contrast_factor || pa.saturation_factor || pa.erase);
    EXPECT_TRUE(pb.crop && pb.brightness_factor && pb.contrast_factor && pb.saturation_factor);
    Rng c(seed);
    keras.get_random_transform({20, 24, 3}, c);
    EXPECT_EQ(a.next_u64(), c.next_u64());  // nothing extra drawn when off
  }
}

TEST(AugmentExtras, ResizedCropBoxesStayInTheScaleAndRatioRanges) {
  Rng rng(3);
  const int64_t h = 60, w = 80;
  const double scale[] = {0.08, 1.0}, ratio[] = {3.0 / 4.0, 4.0 / 3.0};
  double smallest = 1, largest = 0;
  for (int i = 0; i < 3000; ++i) {
    const PixelBox b = detail::random_resized_crop_box(h, w, scale, ratio, rng);
    ASSERT_GE(b.top, 0);
    ASSERT_GE(b.left, 0);
    ASSERT_LE(b.top + b.height, h);
    ASSERT_LE(b.left + b.width, w);
    const double area = static_cast<double>(b.height * b.width) / (h * w);
    const double aspect = static_cast<double>(b.width) / static_cast<double>(b.height);
    // Whole-pixel rounding moves area and aspect a little (as torchvision's round()).
    const double dw = 1.0 / b.width + 1.0 / b.height;
    EXPECT_GE(area, 0.08 * (1 - dw) - 1e-12) << i;
    EXPECT_LE(area, 1.0);
    EXPECT_GE(aspect, 0.75 * (1 - dw)) << i;
    EXPECT_LE(aspect, 4.0 / 3.0 * (1 + dw)) << i;
    smallest = std::min(smallest, area);
    largest = std::max(largest, area);
  }
  EXPECT_LT(smallest, 0.12);  // the range is covered, not just its middle
  EXPECT_GT(largest, 0.85);
  // Nothing fits an aspect of 2..3 at full area in a square: torchvision's central crop.
  const double full[] = {1.0, 1.0}, wide[] = {2.0, 3.0};
  const PixelBox c = detail::random_resized_crop_box(64, 64, full, wide, rng);
  EXPECT_EQ(c.height, 32);
  EXPECT_EQ(c.width, 64);
  EXPECT_EQ(c.top, 16);
  EXPECT_EQ(c.left, 0);
}

TEST(AugmentExtras, ResizedCropSamplesTheBoxCornerToCorner) {
  ImageDataGeneratorOptions o;
  o.random_resized_crop_scale = {0.5, 0.5};
  const ImageDataGenerator gen(o);
  const int64_t h = 9, w = 7;
  Tensor img({h, w, 1});
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c) img.at({r, c, 0}) = static_cast<float>(10 * r + c);
  TransformParams p;
  p.crop = PixelBox{2, 1, 5, 4};
  const Tensor out = gen.apply_transform(img, p);
  // Bilinear sampling of a linear ramp is exact: out(r, c) = ramp(2 + r * 4/8, 1 + c * 3/6).
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c)
      EXPECT_NEAR(out.at({r, c, 0}), 10 * (2 + r * 0.5) + (1 + c * 0.5), 1e-4) << r << "," << c;
  p.crop = PixelBox{0, 0, h, w};  // the whole image: unchanged
  EXPECT_EQ(max_abs_diff(gen.apply_transform(img, p), img), 0.0f);
}

TEST(AugmentExtras, ColorJitterFormulas) {
  const Tensor img({1, 2, 3}, {100, 50, 200, 10, 20, 30});
  TransformParams p;
  p.brightness_factor = 1.5;
  Tensor a = img;
  detail::color_jitter(a.values(), 3, p, 255.0);
  EXPECT_EQ(a[0], 150.0f);
  EXPECT_EQ(a[2], 255.0f);  // clipped at pixel_max
  p = {};
  p.contrast_factor = 0.5;
  Tensor b = img;
  detail::color_jitter(b.values(), 3, p, 255.0);
  const double grey0 = 0.299 * 100 + 0.587 * 50 + 0.114 * 200, grey1 = 0.299 * 10 + 0.587 * 20 + 0.114 * 30;
  EXPECT_NEAR(b[1], 0.5 * 50 + 0.5 * (grey0 + grey1) / 2, 1e-3);
  p = {};
  p.saturation_factor = 0.0;  // fully grey
  Tensor c = img;
  detail::color_jitter(c.values(), 3, p, 255.0);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(c[k], grey0, 1e-3);
}

TEST(AugmentExtras, RandomErasingRateBoxAndFill) {
  ImageDataGeneratorOptions o;
  o.random_erasing = 0.3;
  const ImageDataGenerator gen(o);
  int erased = 0;
  Rng rng(9);
  for (int i = 0; i < 2000; ++i) {
    const TransformParams p = gen.get_random_transform({32, 40, 3}, rng);
    if (!p.erase) continue;
    ++erased;
    const double area = static_cast<double>(p.erase->height * p.erase->width) / (32 * 40);
    EXPECT_GE(area, 0.02 * 0.5);
    EXPECT_LE(area, 0.33 * 1.5);
    EXPECT_LT(p.erase->height, 32);
    EXPECT_LT(p.erase->width, 40);
  }
  EXPECT_NEAR(erased / 2000.0, 0.3, 0.04);
  Tensor img({6, 5, 2}, -1.0f);
  TransformParams p;
  p.erase = PixelBox{1, 2, 3, 2};
  p.erase_seed = 42;
  detail::erase_box(img.values(), 5, 2, p, std::nullopt, 255.0);
  int inside = 0;
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t c = 0; c < 5; ++c)
      for (int64_t k = 0; k < 2; ++k) {
        const float v = img.at({r, c, k});
        const bool in_box = r >= 1 && r < 4 && c >= 2 && c < 4;
        if (in_box) {
          EXPECT_GE(v, 0.0f);
          EXPECT_LE(v, 255.0f);
          ++inside;
        } else {
          EXPECT_EQ(v, -1.0f);
        }
      }
  EXPECT_EQ(inside, 12);
  detail::erase_box(img.values(), 5, 2, p, 7.0, 255.0);
  EXPECT_EQ(img.at({2, 3, 1}), 7.0f);
}

TEST(AugmentExtras, ReproducibleFromTheSeed) {
  const ImageDataGenerator gen(all_extras(keras_options()));
  Rng src(1);
  Tensor x({6, 12, 10, 3}), y({6, 2});
  for (float& v : x.values()) v = static_cast<float>(src.uniform(0, 255));
  const auto a = gen.flow(x, y, {.batch_size = 3, .seed = 11}), b = gen.flow(x, y, {.batch_size = 3, .seed = 11});
  const Batch ba = a->get(1), bb = b->get(1);
  EXPECT_EQ(max_abs_diff(ba.x, bb.x), 0.0f);
  const auto c = gen.flow(x, y, {.batch_size = 3, .seed = 12});
  EXPECT_GT(max_abs_diff(c->get(1).x, ba.x), 0.0f);
}

TEST(AugmentExtras, BadOptionsNameTheOption) {
  auto expect_bad = [](ImageDataGeneratorOptions o, const char* name) {
    try {
      ImageDataGenerator g(o);
      FAIL() << name;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr(name));
    }
  };
  ImageDataGeneratorOptions o;
  o.random_resized_crop_scale = {0.0, 1.0};
  expect_bad(o, "random_resized_crop_scale");
  o.random_resized_crop_scale = {0.6, 0.2};
  expect_bad(o, "random_resized_crop_scale");
  o = {};
  o.random_resized_crop_scale = {0.2, 1.0};
  o.random_resized_crop_ratio = {-1, 2};
  expect_bad(o, "random_resized_crop_ratio");
  o = {};
  o.random_erasing = 1.5;
  expect_bad(o, "random_erasing");
  o = {};
  o.contrast_jitter = -0.1;
  expect_bad(o, "contrast_jitter");
}

}  // namespace
}  // namespace petal
