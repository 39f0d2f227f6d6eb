// Label smoothing (Keras's CategoricalCrossentropy(label_smoothing=...)): the
// values are those of the smoothed targets, sparse targets smooth like one-hot
// ones, binary cross-entropy moves targets by ls / 2, the fused and plain
// gradients agree with finite differences, and 0 changes nothing. Through the
// model: LossSpec in compile, in train/test steps, and in model files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/losses/loss.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

Tensor softmax_rows(const Tensor& z) {
  Tensor p = z;
  const int64_t k = z.dim(-1);
  for (int64_t r = 0; r < z.size() / k; ++r) {
    double mx = -1e30, sum = 0;
    for (int64_t j = 0; j < k; ++j) mx = std::max(mx, static_cast<double>(z[r * k + j]));
    for (int64_t j = 0; j < k; ++j) sum += std::exp(z[r * k + j] - mx);
    for (int64_t j = 0; j < k; ++j) p[r * k + j] = static_cast<float>(std::exp(z[r * k + j] - mx) / sum);
  }
  return p;
}

struct Case {
  Tensor labels, onehot, p;
};

Case make_case(int64_t n, int64_t k, uint64_t seed) {
  Rng rng(seed);
  Case c{Tensor({n}), Tensor({n, k}), Tensor({n, k})};
  for (float& v : c.p.values()) v = static_cast<float>(rng.uniform(-2, 2));
  c.p = softmax_rows(c.p);
  for (int64_t i = 0; i < n; ++i) {
    const auto y = static_cast<int64_t>(rng.below(static_cast<uint64_t>(k)));
    c.labels[i] = static_cast<float>(y);
    c.onehot.at({i, y}) = 1;
  }
  return c;
}

TEST(LabelSmoothing, CategoricalIsCrossEntropyOfSmoothedTargets) {
  const Case c = make_case(3, 4, 1);
  const double ls = 0.1;
  const Tensor got = per_sample_loss(Loss::CategoricalCrossentropy, c.onehot, c.p, ls);
  for (int64_t i = 0; i < 3; ++i) {
    double want = 0;
    for (int64_t j = 0; j < 4; ++j) want -= (c.onehot[i * 4 + j] * (1 - ls) + ls / 4) * std::log(c.p[i * 4 + j]);
    EXPECT_NEAR(got[i], want, 1e-5) << i;
  }
  const Tensor sparse = per_sample_loss(Loss::SparseCategoricalCrossentropy, c.labels, c.p, ls);
  for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(sparse[i], got[i], 1e-6) << i;
}

TEST(LabelSmoothing, BinaryMovesTargetsByHalf) {
  const Tensor y({1, 2}, {1, 0}), p({1, 2}, {0.8f, 0.4f});
  const double ls = 0.2;  // targets 0.9 and 0.1
  const double want = -((0.9 * std::log(0.8) + 0.1 * std::log(0.2)) + (0.1 * std::log(0.4) + 0.9 * std::log(0.6))) / 2;
  EXPECT_NEAR(per_sample_loss(Loss::BinaryCrossentropy, y, p, ls)[0], want, 1e-6);
}

TEST(LabelSmoothing, BinaryGradientsUseTheSmoothedTargets) {
  const Tensor y({1, 2}, {1, 0}), p({1, 2}, {0.8f, 0.4f});
  std::vector<float> fused(2), plain(2);
  weighted_loss(Loss::BinaryCrossentropy, y, p.data(), p.shape(), {}, fused, GradWrt::SigmoidLogits, 0.2);
  EXPECT_NEAR(fused[0], (0.8 - 0.9) / 2, 1e-7);  // (p - t) / K with t = 0.9, 0.1
  EXPECT_NEAR(fused[1], (0.4 - 0.1) / 2, 1e-7);
  weighted_loss(Loss::BinaryCrossentropy, y, p.data(), p.shape(), {}, plain, GradWrt::Output, 0.2);
  EXPECT_NEAR(plain[0], (-0.9 / 0.8 + 0.1 / 0.2) / 2, 1e-6);  // d/dp of -(t log p + (1 - t) log(1 - p)) / K
  EXPECT_NEAR(plain[1], (-0.1 / 0.4 + 0.9 / 0.6) / 2, 1e-6);
}

TEST(LabelSmoothing, ZeroGivesTheUnsmoothedBits) {
  const Case c = make_case(5, 6, 2);
  std::vector<float> g0(30), g1(30);
  const double a = weighted_loss(Loss::CategoricalCrossentropy, c.onehot, c.p.data(), c.p.shape(), {}, g0,
                                 GradWrt::SoftmaxLogits);
  const double b = weighted_loss(Loss::CategoricalCrossentropy, c.onehot, c.p.data(), c.p.shape(), {}, g1,
                                 GradWrt::SoftmaxLogits, 0.0);
  EXPECT_EQ(a, b);
  EXPECT_EQ(g0, g1);
}

// Gradients with respect to the logits (fused) and to the probabilities, by
// central differences through an independent softmax.
TEST(LabelSmoothing, GradientsMatchFiniteDifferences) {
  const int64_t n = 3, k = 5;
  Rng rng(4);
  Tensor z({n, k});
  for (float& v : z.values()) v = static_cast<float>(rng.uniform(-2, 2));
  const Case c = make_case(n, k, 5);
  const double ls = 0.3;
  const std::vector<float> w{1.0f, 0.5f, 2.0f};
  for (const Loss loss : {Loss::CategoricalCrossentropy, Loss::SparseCategoricalCrossentropy}) {
    const Tensor& t = loss == Loss::SparseCategoricalCrossentropy ? c.labels : c.onehot;
    auto value = [&](const Tensor& zz, bool logits) {
      const Tensor p = logits ? softmax_rows(zz) : zz;
      return weighted_loss(loss, t, p.data(), p.shape(), w, {}, GradWrt::Output, ls);
    };
    for (const bool logits : {true, false}) {
      const Tensor point = logits ? z : softmax_rows(z);
      const Tensor p = logits ? softmax_rows(point) : point;
      std::vector<float> g(static_cast<size_t>(n * k));
      weighted_loss(loss, t, p.data(), p.shape(), w, g, logits ? GradWrt::SoftmaxLogits : GradWrt::Output, ls);
      for (int64_t i = 0; i < n * k; ++i) {
        Tensor a = point, b = point;
        a[i] += 1e-3f;
        b[i] -= 1e-3f;
        const double numeric = (value(a, logits) - value(b, logits)) / (static_cast<double>(a[i]) - b[i]);
        EXPECT_NEAR(g[static_cast<size_t>(i)], numeric, 2e-3 + 2e-3 * std::fabs(numeric))
            << to_string(loss) << (logits ? " logits " : " probabilities ") << i;
      }
    }
  }
}

TEST(LabelSmoothing, BadSpecsAreRefused) {
  EXPECT_EQ(resolve_loss(LossSpec("categorical_crossentropy", 0.1)), Loss::CategoricalCrossentropy);
  try {
    resolve_loss(LossSpec("mse", 0.1));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("label_smoothing applies to the cross-entropy losses"));
  }
  EXPECT_THROW(resolve_loss(LossSpec("categorical_crossentropy", 1.5)), ConfigError);
  EXPECT_THROW(resolve_loss(LossSpec("categorical_crossentropy", -0.1)), ConfigError);
  EXPECT_THROW(resolve_loss(LossSpec("hinge")), ConfigError);
}

TEST(LabelSmoothing, ModelTrainsOnSmoothedTargetsAndKeepsThemInItsFile) {
  testing::ToyData d = testing::toy_data(12, 3);
  Sequential smooth = testing::toy_model(5), plain = testing::toy_model(5);
  smooth.compile(SGD({.learning_rate = 0.1}), LossSpec("categorical_crossentropy", 0.2), {"accuracy"});
  EXPECT_EQ(smooth.loss_spec().name, "categorical_crossentropy");
  EXPECT_EQ(smooth.loss_spec().label_smoothing, 0.2);
  const Tensor p = smooth.predict(d.x);
  double mean = 0;
  const Tensor per_sample = per_sample_loss(Loss::CategoricalCrossentropy, d.y, p, 0.2);
  for (float v : per_sample.values()) mean += v / 12.0;
  EXPECT_NEAR(smooth.test_on_batch(d.x, d.y).at("loss"), mean, 1e-5);
  const double a = smooth.train_on_batch(d.x, d.y).at("loss"), b = plain.train_on_batch(d.x, d.y).at("loss");
  EXPECT_NEAR(a, mean, 1e-5);
  EXPECT_GT(a, b);  // smoothed targets cost more on the same predictions
  EXPECT_NE(smooth.get_weights()[0].values()[0], plain.get_weights()[0].values()[0]);

  testing::TempDir dir;
  smooth.save(dir / "m.petal");
  Model back = load_model(dir / "m.petal");
  EXPECT_EQ(back.loss_spec().label_smoothing, 0.2);
  EXPECT_EQ(back.test_on_batch(d.x, d.y).at("loss"), smooth.test_on_batch(d.x, d.y).at("loss"));
  plain.save(dir / "p.petal");
  EXPECT_EQ(load_model(dir / "p.petal").loss_spec().label_smoothing, 0.0);
}

}  // namespace
}  // namespace petal
