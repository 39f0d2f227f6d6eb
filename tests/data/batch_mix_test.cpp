// Mixup and CutMix batch stage: Beta draws, images and labels mixed with the
// same weight (mixup) or by the pasted box's exact area (CutMix), a Sequence
// whose batch (epoch, index) is the same in any order, and clear refusals.
#include "petal/data/batch_mix.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "petal/core/error.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

// n images [h, w, 1] whose every pixel is the sample's index; one-hot labels i % k.
Batch constant_batch(int64_t n, int64_t h, int64_t w, int64_t k) {
  Batch b{Tensor({n, h, w, 1}), Tensor({n, k}), {}};
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < h * w; ++j) b.x[0][i * h * w + j] = static_cast<float>(i);
    b.y[0].at({i, i % k}) = 1;
  }
  return b;
}

TEST(BatchMix, BetaDrawsHaveTheBetaMoments) {
  for (const double a : {0.2, 1.0, 2.5}) {
    Rng rng(7);
    double s = 0, q = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
      const double v = beta_sample(rng, a, a);
      ASSERT_GE(v, 0.0);
      ASSERT_LE(v, 1.0);
      s += v;
      q += v * v;
    }
    const double mean = s / n, var = q / n - mean * mean;
    EXPECT_NEAR(mean, 0.5, 0.01) << a;
    EXPECT_NEAR(var, 1.0 / (4 * (2 * a + 1)), 0.01) << a;  // Beta(a, a): 1 / (4 (2a + 1))
  }
  Rng rng(1);
  EXPECT_THROW(beta_sample(rng, 0.0, 1.0), ConfigError);
}

TEST(BatchMix, MixupBlendsImagesAndLabelsWithOneWeight) {
  Batch b = constant_batch(6, 3, 4, 6);  // label i: class i, so each row has one partner
  Rng rng(2);
  mix_batch(b, {.mixup_alpha = 0.4}, rng);
  for (int64_t i = 0; i < 6; ++i) {
    // Row i = lam * (i) + (1 - lam) * (j): recover j and lam from the labels.
    const float* y = b.y[0].data() + i * 6;
    double lam = y[i];
    int64_t j = i;
    for (int64_t c = 0; c < 6; ++c) {
      if (c != i && y[c] > 0) j = c;
    }
    if (j == i) lam = 1.0;  // mixed with itself
    EXPECT_NEAR(y[i] + (j == i ? 0.0 : y[j]), 1.0, 1e-6);
    const double want = lam * static_cast<double>(i) + (1 - lam) * static_cast<double>(j);
    for (int64_t p = 0; p < 12; ++p) EXPECT_NEAR(b.x[0][i * 12 + p], want, 1e-5) << i;
  }
}

TEST(BatchMix, CutMixLabelWeightIsThePastedArea) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Batch b = constant_batch(5, 8, 10, 5);
    Rng rng(seed);
    mix_batch(b, {.cutmix_alpha = 1.0}, rng);
    for (int64_t i = 0; i < 5; ++i) {
      std::map<int64_t, int> pixels;
      for (int64_t p = 0; p < 80; ++p) ++pixels[static_cast<int64_t>(b.x[0][i * 80 + p])];
      for (const auto& [src, count] : pixels) {
        EXPECT_NEAR(b.y[0].at({i, src}), count / 80.0, 1e-6) << "seed " << seed << " row " << i;
      }
      double total = 0;
      for (int64_t c = 0; c < 5; ++c) total += b.y[0].at({i, c});
      EXPECT_NEAR(total, 1.0, 1e-6);
    }
  }
}

class IndexSequence : public Sequence {
 public:
  int64_t size() const override { return 4; }
  Batch get(int64_t index) override {
    Batch b = constant_batch(4, 6, 6, 3);
    for (float& v : b.x[0].values()) v += static_cast<float>(10 * index + 100 * epoch_);
    return b;
  }
  void on_epoch_end() override { ++epoch_; }
  void set_epoch(int64_t e) override { epoch_ = e; }

 private:
  int64_t epoch_ = 0;
};

TEST(BatchMix, SequenceBatchesArePureFunctionsOfEpochAndIndex) {
  IndexSequence a_inner, b_inner;
  MixSequence a(a_inner, {.mixup_alpha = 0.3, .cutmix_alpha = 1.0, .seed = 5});
  MixSequence b(b_inner, {.mixup_alpha = 0.3, .cutmix_alpha = 1.0, .seed = 5});
  a.set_epoch(2);
  const Batch a3 = a.get(3), a1 = a.get(1);
  b.set_epoch(1);
  b.on_epoch_end();  // now epoch 2, reached another way
  const Batch b1 = b.get(1), b3 = b.get(3);
  EXPECT_EQ(max_abs_diff(a1.x, b1.x), 0.0f);
  EXPECT_EQ(max_abs_diff(a3.y, b3.y), 0.0f);
  a.on_epoch_end();
  EXPECT_GT(max_abs_diff(a.get(1).y, a1.y) + max_abs_diff(a.get(1).x, a1.x), 0.0f);  // epoch 3 draws anew
}

TEST(BatchMix, GeneratorSeedsBatchByBatch) {
  class Same : public Generator {
   public:
    Batch next() override { return constant_batch(4, 5, 5, 4); }
  } g1, g2;
  MixGenerator a(g1, {.mixup_alpha = 1.0, .seed = 3}), b(g2, {.mixup_alpha = 1.0, .seed = 3});
  const Batch a0 = a.next(), a1 = a.next();
  EXPECT_EQ(max_abs_diff(a0.x, b.next().x), 0.0f);
  EXPECT_EQ(max_abs_diff(a1.y, b.next().y), 0.0f);
}

TEST(BatchMix, RefusesClassIndicesNonImagesAndBadOptions) {
  Batch sparse{Tensor({4, 2, 2, 1}), Tensor({4}), {}};
  Rng rng(1);
  try {
    mix_batch(sparse, {.mixup_alpha = 1.0}, rng);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("one-hot"));
  }
  Batch flat{Tensor({4, 6}), Tensor({4, 2}), {}};
  EXPECT_THROW(mix_batch(flat, {.cutmix_alpha = 1.0}, rng), ShapeError);
  EXPECT_NO_THROW(mix_batch(flat, {.mixup_alpha = 1.0}, rng));
  EXPECT_THROW(validate(BatchMixOptions{}), ConfigError);
  EXPECT_THROW(validate(BatchMixOptions{.mixup_alpha = -1}), ConfigError);
  EXPECT_THROW(validate(BatchMixOptions{.mixup_alpha = 1, .prob = 2}), ConfigError);
}

}  // namespace
}  // namespace petal
