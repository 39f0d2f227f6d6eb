// Losses: Keras's values, weighting rule, clipping, and gradients (plain and
// fused with softmax/sigmoid) against finite differences in double precision.
#include "petal/losses/loss.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/metrics/metric.h"

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

Tensor sigmoid(const Tensor& z) {
  Tensor p = z;
  for (float& v : p.values()) v = static_cast<float>(1.0 / (1.0 + std::exp(-v)));
  return p;
}

TEST(Loss, CategoricalCrossentropyValueAndKerasClipping) {
  Tensor y({2, 3}, {0, 1, 0, 1, 0, 0});
  Tensor p({2, 3}, {0.2f, 0.5f, 0.3f, 0.0f, 0.4f, 0.6f});
  Tensor l = per_sample_loss(Loss::CategoricalCrossentropy, y, p);
  EXPECT_NEAR(l[0], -std::log(0.5), 1e-6);
  EXPECT_NEAR(l[1], -std::log(1e-7), 1e-3);  // clipped, not infinite
  // Rows are normalised by their sum first (Keras divides by the sum).
  Tensor q({1, 2}, {1.0f, 3.0f});
  EXPECT_NEAR(per_sample_loss(Loss::CategoricalCrossentropy, Tensor({1, 2}, {0, 1}), q)[0], -std::log(0.75), 1e-6);
}

TEST(Loss, KerasWeightingRuleDividesByNonZeroWeights) {
  Tensor y({3, 2}, {1, 0, 0, 1, 1, 0});
  Tensor p({3, 2}, {0.9f, 0.1f, 0.3f, 0.7f, 0.5f, 0.5f});
  const Tensor l = per_sample_loss(Loss::CategoricalCrossentropy, y, p);
  const std::vector<float> w{2.0f, 0.0f, 1.0f};
  const double got = weighted_loss(Loss::CategoricalCrossentropy, y, p.data(), p.shape(), w, {}, GradWrt::Output);
  // mean(l * w) / mean(w != 0) = (2 l0 + l2) / 3 / (2 / 3)
  EXPECT_NEAR(got, (2 * l[0] + l[2]) / 2.0, 1e-6);
  const double unweighted = weighted_loss(Loss::CategoricalCrossentropy, y, p.data(), p.shape(), {}, {}, GradWrt::Output);
  EXPECT_NEAR(unweighted, (l[0] + l[1] + l[2]) / 3.0, 1e-6);
}

TEST(Loss, BinaryAndMeanSquaredErrorAverageOverLastAxis) {
  Tensor y({1, 2}, {1, 0});
  Tensor p({1, 2}, {0.8f, 0.4f});
  EXPECT_NEAR(per_sample_loss(Loss::BinaryCrossentropy, y, p)[0], -(std::log(0.8) + std::log(0.6)) / 2, 1e-6);
  EXPECT_NEAR(per_sample_loss(Loss::MeanSquaredError, y, p)[0], (0.04 + 0.16) / 2, 1e-6);
}

TEST(Loss, SparseMatchesOneHot) {
  Tensor labels({3}, {2, 0, 1});
  Tensor onehot({3, 3}, {0, 0, 1, 1, 0, 0, 0, 1, 0});
  Tensor p = softmax_rows(Tensor({3, 3}, {0.1f, 1.0f, -0.3f, 2.0f, 0.0f, 0.5f, -1.0f, 0.2f, 0.3f}));
  const Tensor a = per_sample_loss(Loss::SparseCategoricalCrossentropy, labels, p);
  const Tensor b = per_sample_loss(Loss::CategoricalCrossentropy, onehot, p);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
}

struct GradCase {
  Loss loss;
  GradWrt wrt;
};

class LossGradient : public ::testing::TestWithParam<GradCase> {};

// Finite differences in double through an independent softmax/sigmoid.
TEST_P(LossGradient, MatchesFiniteDifferences) {
  const Loss loss = GetParam().loss;  // not structured bindings: a lambda captures them
  const GradWrt wrt = GetParam().wrt;
  Rng rng(3);
  const int64_t n = 4, k = 5;
  Tensor z({n, k});
  for (float& v : z.values()) v = static_cast<float>(rng.uniform(-2, 2));
  Tensor y({n, k});
  Tensor labels({n});
  for (int64_t i = 0; i < n; ++i) {
    const auto c = static_cast<int64_t>(rng.below(k));
    labels[i] = static_cast<float>(c);
    for (int64_t j = 0; j < k; ++j) {
      y[i * k + j] = loss == Loss::CategoricalCrossentropy || loss == Loss::SparseCategoricalCrossentropy
                         ? (j == c ? 1.0f : 0.0f)
                         : static_cast<float>(rng.uniform());
    }
  }
  const Tensor& target = loss == Loss::SparseCategoricalCrossentropy ? labels : y;
  const std::vector<float> w{1.0f, 0.5f, 0.0f, 2.0f};
  auto value = [&](const Tensor& zz) {
    Tensor p = wrt == GradWrt::SoftmaxLogits ? softmax_rows(zz) : wrt == GradWrt::SigmoidLogits ? sigmoid(zz) : zz;
    return weighted_loss(loss, target, p.data(), p.shape(), w, {}, GradWrt::Output);
  };
  // For GradWrt::Output, probabilities must stay valid: use softmax outputs as the point.
  Tensor point = wrt == GradWrt::Output && loss != Loss::MeanSquaredError ? softmax_rows(z) : z;
  if (wrt == GradWrt::Output && loss == Loss::BinaryCrossentropy) point = sigmoid(z);
  Tensor p = wrt == GradWrt::SoftmaxLogits ? softmax_rows(point) : wrt == GradWrt::SigmoidLogits ? sigmoid(point) : point;
  std::vector<float> grad(static_cast<size_t>(n * k));
  weighted_loss(loss, target, p.data(), p.shape(), w, grad, wrt);
  for (int64_t i = 0; i < n * k; ++i) {
    const double h = 1e-3;
    Tensor a = point, b = point;
    a[i] += static_cast<float>(h);
    b[i] -= static_cast<float>(h);
    const double numeric = (value(a) - value(b)) / (static_cast<double>(a[i]) - b[i]);
    EXPECT_NEAR(grad[i], numeric, 2e-3 + 2e-3 * std::fabs(numeric)) << "element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllLosses, LossGradient,
    ::testing::Values(GradCase{Loss::CategoricalCrossentropy, GradWrt::Output},
                      GradCase{Loss::CategoricalCrossentropy, GradWrt::SoftmaxLogits},
                      GradCase{Loss::SparseCategoricalCrossentropy, GradWrt::Output},
                      GradCase{Loss::SparseCategoricalCrossentropy, GradWrt::SoftmaxLogits},
                      GradCase{Loss::BinaryCrossentropy, GradWrt::Output},
                      GradCase{Loss::BinaryCrossentropy, GradWrt::SigmoidLogits},
                      GradCase{Loss::MeanSquaredError, GradWrt::Output}));

TEST(Loss, FusedSoftmaxGradientStaysSoundWhenProbabilityUnderflows) {
  // p(true class) = 0 would give a zero (clipped) gradient through Keras's clip;
  // the fused gradient is p - y and still pushes the true class up.
  Tensor y({1, 3}, {1, 0, 0});
  Tensor p({1, 3}, {0.0f, 1.0f, 0.0f});
  std::vector<float> g(3);
  weighted_loss(Loss::CategoricalCrossentropy, y, p.data(), p.shape(), {}, g, GradWrt::SoftmaxLogits);
  EXPECT_FLOAT_EQ(g[0], -1.0f);
  EXPECT_FLOAT_EQ(g[1], 1.0f);
}

TEST(Loss, BadTargetsNameTheLossAndShapes) {
  Tensor p({2, 3});
  try {
    per_sample_loss(Loss::CategoricalCrossentropy, Tensor({2}), p);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("categorical_crossentropy: expected targets of shape [2, 3]"));
    EXPECT_THAT(e.what(), HasSubstr("received [2]"));
    EXPECT_THAT(e.what(), HasSubstr("Hint: "));
  }
  EXPECT_THROW(per_sample_loss(Loss::SparseCategoricalCrossentropy, Tensor({2}, {0, 3}), p), DataError);
  EXPECT_THROW(loss_from_string("hinge"), ConfigError);
}

TEST(Metric, AccuracyResolvesFromLossAsKeras) {
  EXPECT_EQ(resolve_metric("accuracy", Loss::CategoricalCrossentropy, 17).kind, MetricKind::CategoricalAccuracy);
  EXPECT_EQ(resolve_metric("acc", Loss::SparseCategoricalCrossentropy, 17).kind, MetricKind::SparseCategoricalAccuracy);
  EXPECT_EQ(resolve_metric("accuracy", Loss::BinaryCrossentropy, 3).kind, MetricKind::BinaryAccuracy);
  EXPECT_EQ(resolve_metric("accuracy", Loss::MeanSquaredError, 1).kind, MetricKind::BinaryAccuracy);
  EXPECT_THROW(resolve_metric("f1", Loss::MeanSquaredError, 1), ConfigError);
}

TEST(Metric, Values) {
  Tensor y({3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  Tensor p({3, 3}, {0.6f, 0.3f, 0.1f, 0.5f, 0.4f, 0.1f, 0.2f, 0.3f, 0.5f});
  EXPECT_NEAR(compute_metric({MetricKind::CategoricalAccuracy, "a"}, y, p.data(), p.shape()), 2.0 / 3, 1e-9);
  EXPECT_NEAR(compute_metric({MetricKind::TopKCategoricalAccuracy, "t", 2}, y, p.data(), p.shape()), 1.0, 1e-9);
  EXPECT_NEAR(compute_metric({MetricKind::TopKCategoricalAccuracy, "t", 1}, y, p.data(), p.shape()), 2.0 / 3, 1e-9);
  Tensor labels({3}, {0, 0, 2});
  EXPECT_NEAR(compute_metric({MetricKind::SparseCategoricalAccuracy, "s"}, labels, p.data(), p.shape()), 1.0, 1e-9);
  Tensor yb({2, 2}, {1, 0, 0, 1});
  Tensor pb({2, 2}, {0.7f, 0.6f, 0.2f, 0.9f});
  EXPECT_NEAR(compute_metric({MetricKind::BinaryAccuracy, "b"}, yb, pb.data(), pb.shape()), 0.75, 1e-9);
}

}  // namespace
}  // namespace petal
