// ImageDataGenerator: option checks, the distribution of random parameters,
// the per-pixel steps worked out by hand, standardize order and fit statistics.
#include "petal/data/image_data_generator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <type_traits>
#include <vector>

#include "petal/core/error.h"

namespace petal {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

std::vector<float> values(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

// Mean and variance of a sample.
std::pair<double, double> moments(const std::vector<double>& v) {
  double s = 0, q = 0;
  for (double x : v) s += x;
  const double m = s / v.size();
  for (double x : v) q += (x - m) * (x - m);
  return {m, q / v.size()};
}

// Checks range [lo, hi) and that mean and variance are those of U(lo, hi).
void expect_uniform(const std::vector<double>& v, double lo, double hi, const char* what) {
  for (double x : v) {
    ASSERT_GE(x, lo) << what;
    ASSERT_LT(x, hi) << what;
  }
  const auto [m, var] = moments(v);
  const double n = static_cast<double>(v.size());
  const double want_var = (hi - lo) * (hi - lo) / 12;
  EXPECT_NEAR(m, (lo + hi) / 2, 5 * std::sqrt(want_var / n)) << what;
  EXPECT_NEAR(var, want_var, 0.05 * want_var) << what;
}

TEST(ImageDataGeneratorOptions, DefaultsAreKeras) {
  const ImageDataGeneratorOptions o;
  EXPECT_EQ(o.fill_mode, FillMode::Nearest);
  EXPECT_EQ(o.zoom_range.lower, 1.0);
  EXPECT_EQ(o.zoom_range.upper, 1.0);
  EXPECT_EQ(o.zca_epsilon, 1e-6);
  EXPECT_EQ(o.interpolation_order, 1);
  EXPECT_EQ(o.rescale, 0.0);
  EXPECT_TRUE(o.brightness_range.empty());
  EXPECT_FALSE(o.width_shift_range.active());
  EXPECT_EQ(o.affine_center, AffineCenter::KerasReleased);
  const ZoomRange z = 0.15;
  EXPECT_DOUBLE_EQ(z.lower, 0.85);
  EXPECT_DOUBLE_EQ(z.upper, 1.15);
}

TEST(ImageDataGeneratorOptions, BadValuesThrowWithTheReceivedValue) {
  auto throws = [](ImageDataGeneratorOptions o, const std::string& msg) {
    EXPECT_THAT([&] { ImageDataGenerator g(o); }, ThrowsMessage<ConfigError>(HasSubstr(msg)));
  };
  throws({.zoom_range = {1.2, 0.8}}, "zoom_range must be [lower, upper] with 0 <= lower <= "
                                     "upper (a float z means [1-z, 1+z]); received [1.2, 0.8]");
  throws({.zoom_range = 1.5}, "received [-0.5, 2.5]");
  throws({.validation_split = 1.0}, "validation_split must be in [0, 1); received 1");
  throws({.validation_split = -0.1}, "received -0.1");
  throws({.brightness_range = {0.5, 1.0, 1.5}}, "brightness_range must be empty (None) or a "
                                                "pair {low, high}; received 3 values");
  throws({.brightness_range = {1.5, 0.5}}, "low <= high; received {1.5, 0.5}");
  throws({.zca_whitening = true}, "zca_whitening=true is not supported");
  throws({.rotation_range = -5}, "rotation_range must be a finite value >= 0; received -5");
  throws({.width_shift_range = ShiftRange::list({1, NAN})}, "width_shift_range choices");
  throws({.interpolation_order = 3}, "interpolation_order must be 0 or 1; received 3");
  EXPECT_THAT([] { ShiftRange::integer(-2); },
              ThrowsMessage<ConfigError>(HasSubstr("received -2")));
}

// Keras treats width_shift_range=2 (int) and 2.0 (float) differently, so the
// ambiguous int conversion is deleted.
static_assert(!std::is_convertible_v<int, ShiftRange>);
static_assert(std::is_convertible_v<double, ShiftRange>);

TEST(ImageDataGeneratorOptions, StdNormalizationImpliesCentering) {
  const ImageDataGenerator g({.featurewise_std_normalization = true,
                              .samplewise_std_normalization = true});
  EXPECT_TRUE(g.options().featurewise_center);
  EXPECT_TRUE(g.options().samplewise_center);
}

TEST(GetRandomTransform, ParametersAreUniformOverTheDocumentedRanges) {
  const ImageDataGenerator g({.rotation_range = 20,
                              .width_shift_range = 0.2,
                              .height_shift_range = 3.0,
                              .brightness_range = {0.5, 1.5},
                              .shear_range = 0.15,
                              .zoom_range = 0.15,
                              .channel_shift_range = 30,
                              .horizontal_flip = true});
  const Shape img{40, 50, 3};
  Rng rng(11);
  std::vector<double> theta, tx, ty, shear, zx, zy, cs, br;
  int flips = 0, vflips = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const TransformParams p = g.get_random_transform(img, rng);
    theta.push_back(p.theta), tx.push_back(p.tx), ty.push_back(p.ty), shear.push_back(p.shear);
    zx.push_back(p.zx), zy.push_back(p.zy);
    cs.push_back(p.channel_shift_intensity.value()), br.push_back(p.brightness.value());
    flips += p.flip_horizontal, vflips += p.flip_vertical;
  }
  expect_uniform(theta, -20, 20, "theta");
  expect_uniform(tx, -3, 3, "tx (height_shift_range 3.0 = pixels)");
  expect_uniform(ty, -0.2 * 50, 0.2 * 50, "ty (width_shift_range 0.2 of W = 50)");
  expect_uniform(shear, -0.15, 0.15, "shear");
  expect_uniform(zx, 0.85, 1.15, "zx");
  expect_uniform(zy, 0.85, 1.15, "zy");
  expect_uniform(cs, -30, 30, "channel_shift_intensity");
  expect_uniform(br, 0.5, 1.5, "brightness");
  // zx and zy are independent draws.
  double cov = 0;
  for (int i = 0; i < n; ++i) cov += (zx[i] - 1) * (zy[i] - 1);
  EXPECT_NEAR(cov / n / (0.3 * 0.3 / 12), 0.0, 0.05);
  EXPECT_NEAR(flips / double(n), 0.5, 4 * std::sqrt(0.25 / n));
  EXPECT_EQ(vflips, 0);
}

TEST(GetRandomTransform, DisabledOptionsLeaveTheIdentity) {
  const ImageDataGenerator g;
  Rng rng(1);
  for (int i = 0; i < 100; ++i) {
    const TransformParams p = g.get_random_transform({8, 8, 1}, rng);
    EXPECT_EQ(p.theta, 0);
    EXPECT_EQ(p.tx, 0);
    EXPECT_EQ(p.ty, 0);
    EXPECT_EQ(p.zx, 1);
    EXPECT_EQ(p.zy, 1);
    EXPECT_FALSE(p.flip_horizontal || p.flip_vertical);
    EXPECT_FALSE(p.channel_shift_intensity || p.brightness);
  }
}

TEST(GetRandomTransform, ListAndIntegerShiftsTakeListedValuesWithBothSigns) {
  const ImageDataGenerator g({.width_shift_range = ShiftRange::integer(3),
                              .height_shift_range = ShiftRange::list({2, 5})});
  Rng rng(3);
  std::set<double> rows, cols;
  for (int i = 0; i < 2000; ++i) {
    const TransformParams p = g.get_random_transform({30, 30, 3}, rng);
    rows.insert(p.tx);
    cols.insert(p.ty);
  }
  EXPECT_EQ(rows, (std::set<double>{-5, -2, 2, 5}));
  EXPECT_EQ(cols, (std::set<double>{-2, -1, 0, 1, 2}));  // Keras: int 3 -> choice(3) * +-1
  // A list whose maximum is < 1 holds fractions of the size.
  const ImageDataGenerator f({.width_shift_range = ShiftRange::list({0.1, 0.25})});
  std::set<double> frac;
  for (int i = 0; i < 2000; ++i) frac.insert(f.get_random_transform({8, 40, 1}, rng).ty);
  EXPECT_EQ(frac, (std::set<double>{-10, -4, 4, 10}));
}

TEST(RandomTransform, SameSeedSameResultDifferentSeedDifferent) {
  const ImageDataGenerator g({.rotation_range = 30, .width_shift_range = 0.1, .zoom_range = 0.2,
                              .horizontal_flip = true});
  Tensor img({12, 10, 3});
  for (int64_t i = 0; i < img.size(); ++i) img[i] = static_cast<float>((i * 37) % 101);
  Rng a(42), b(42), c(43);
  const Tensor ia = g.random_transform(img, a);
  EXPECT_EQ(values(ia), values(g.random_transform(img, b)));
  EXPECT_NE(values(ia), values(g.random_transform(img, c)));
}

TEST(ApplyTransform, HorizontalAndVerticalFlipOfA2x3Image) {
  // 2 rows, 3 columns, 2 channels: value = 10*row + col + 100*channel.
  Tensor img({2, 3, 2});
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 2; ++k) img.at({r, c, k}) = 10.f * r + c + 100.f * k;
  const ImageDataGenerator g;
  TransformParams h;
  h.flip_horizontal = true;
  EXPECT_EQ(values(g.apply_transform(img, h)),
            (std::vector<float>{2, 102, 1, 101, 0, 100, 12, 112, 11, 111, 10, 110}));
  TransformParams v;
  v.flip_vertical = true;
  EXPECT_EQ(values(g.apply_transform(img, v)),
            (std::vector<float>{10, 110, 11, 111, 12, 112, 0, 100, 1, 101, 2, 102}));
}

TEST(ApplyTransform, ChannelShiftClipsToTheImagesOwnRange) {
  const Tensor img({1, 2, 2}, {0, 10, 5, 20});  // min 0, max 20 over all channels
  const ImageDataGenerator g;
  TransformParams p;
  p.channel_shift_intensity = 8;
  EXPECT_EQ(values(g.apply_transform(img, p)), (std::vector<float>{8, 18, 13, 20}));
  p.channel_shift_intensity = -8;
  EXPECT_EQ(values(g.apply_transform(img, p)), (std::vector<float>{0, 2, 0, 12}));
}

TEST(ApplyTransform, BrightnessFollowsPilOnTheMinMaxScaledBytes) {
  const ImageDataGenerator g;
  TransformParams p;
  p.brightness = 0.5;  // bytes 0, 51, 255 -> trunc(0.5 * v)
  EXPECT_EQ(values(g.apply_transform(Tensor({1, 3, 1}, {0, 51, 255}), p)),
            (std::vector<float>{0, 25, 127}));
  p.brightness = 1.5;  // clipped at 255
  EXPECT_EQ(values(g.apply_transform(Tensor({1, 3, 1}, {0, 51, 255}), p)),
            (std::vector<float>{0, 76, 255}));
  // Keras rescales any input range to 0..255 first, and returns 0..255.
  p.brightness = 1.0;
  EXPECT_EQ(values(g.apply_transform(Tensor({1, 3, 1}, {0, 0.2f, 1}), p)),
            (std::vector<float>{0, 51, 255}));
  EXPECT_THAT([&] { g.apply_transform(Tensor({1, 1, 2}, {0, 1}), p); },
              ThrowsMessage<ShapeError>(HasSubstr("expected 1, 3 or 4 channels")));
}

TEST(Standardize, RunsPreprocessingFunctionBeforeRescaleThenSamplewise) {
  const ImageDataGenerator g({.rescale = 0.5,
                              .preprocessing_function = [](Tensor& t) {
                                for (float& v : t.values()) v += 1;
                              }});
  Tensor img({1, 2, 1}, {1, 3});
  g.standardize(img);
  EXPECT_EQ(values(img), (std::vector<float>{1, 2}));  // (x + 1) * 0.5, not x * 0.5 + 1

  const ImageDataGenerator s({.samplewise_std_normalization = true, .rescale = 2});
  Tensor two({1, 2, 1}, {1, 3});
  s.standardize(two);  // (2, 6) -> centred (-2, 2) -> / (2 + 1e-6)
  EXPECT_NEAR(two[0], -1, 1e-5);
  EXPECT_NEAR(two[1], 1, 1e-5);

  const ImageDataGenerator bad({.preprocessing_function = [](Tensor& t) { t = Tensor({1}); }});
  Tensor x({1, 2, 1});
  EXPECT_THAT([&] { bad.standardize(x); },
              ThrowsMessage<ShapeError>(HasSubstr("must keep the image shape [1, 2, 1]")));
}

TEST(Fit, FeaturewiseMeanAndStdPerChannel) {
  // 4 images 2x2x2; channel 0 = 1..16 ramp, channel 1 = 2 * that + 10.
  Tensor x({4, 2, 2, 2});
  for (int i = 0; i < 16; ++i) {
    x[2 * i] = static_cast<float>(i + 1);
    x[2 * i + 1] = static_cast<float>(2 * (i + 1) + 10);
  }
  ImageDataGenerator g({.featurewise_std_normalization = true});
  Tensor img({2, 2, 2}, std::span<const float>(x.data(), 8));
  EXPECT_THAT([&] { g.standardize(img); },
              ThrowsMessage<StateError>(HasSubstr("has not been called.\nHint: call fit(")));
  EXPECT_THAT([&] { g.flow(x); }, ThrowsMessage<StateError>(HasSubstr("fit()")));
  g.fit(x);
  // Mean of 1..16 is 8.5, population std sqrt((16^2 - 1) / 12).
  const double sd = std::sqrt((16.0 * 16.0 - 1) / 12);
  EXPECT_FLOAT_EQ(g.featurewise_mean()[0], 8.5f);
  EXPECT_FLOAT_EQ(g.featurewise_mean()[1], 27.0f);
  EXPECT_NEAR(g.featurewise_std()[0], sd, 1e-5);
  EXPECT_NEAR(g.featurewise_std()[1], 2 * sd, 1e-5);
  g.standardize(img);  // pixel 0: (1 - 8.5) / (sd + 1e-6)
  EXPECT_NEAR(img[0], (1 - 8.5) / sd, 1e-5);
  EXPECT_NEAR(img[1], (12 - 27.0) / (2 * sd), 1e-5);
  // Flips only permute pixels, so fitting on flipped copies keeps the mean.
  ImageDataGenerator flips({.featurewise_center = true, .horizontal_flip = true,
                            .vertical_flip = true});
  flips.fit(x, {.augment = true, .rounds = 3, .seed = 4});
  EXPECT_FLOAT_EQ(flips.featurewise_mean()[0], 8.5f);
  EXPECT_FLOAT_EQ(flips.featurewise_mean()[1], 27.0f);
  EXPECT_THAT([&] { g.fit(Tensor({2, 2, 2})); },
              ThrowsMessage<ShapeError>(HasSubstr("expected x of rank 4")));
}

}  // namespace
}  // namespace petal
