// Behaviour of the new layers beyond gradients: noise layers are seeded,
// reproducible, identity at inference and have the right statistics; fused
// activations give the same forward as unfused ones; Reshape and Permute move
// elements exactly as NumPy does on NHWC; BatchNormalization on a non-channel
// axis updates its moving statistics per index of that axis.
#include <gtest/gtest.h>

#include <cmath>

#include "model/net_plan.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/noise_layers.h"
#include "petal/layers/reshaping.h"

namespace petal {
namespace {

using detail::Phase;

// Runs `layers` (built here for `in`) on x; returns the plain output.
Tensor run(const std::vector<Layer*>& layers, const Shape& in, const Tensor& x, Phase phase, uint64_t step = 5,
           bool backward = false) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Rng rng(7);
  Shape s = in;
  for (Layer* l : layers) s = l->build(s, rng);
  detail::NetPlan plan(layers, in, x.dim(0), phase, engine, backward);
  detail::StepContext ctx;
  ctx.stream = dnnl::stream(engine);
  ctx.step = step;
  const float* y = plan.forward(x, ctx);
  return Tensor(with_batch(x.dim(0), s), std::span<const float>(y, static_cast<size_t>(x.dim(0) * num_elements(s))));
}

Tensor uniform_tensor(const Shape& shape, uint64_t seed, double lo = 0.5, double hi = 1.5) {
  Tensor t(shape);
  Rng rng(seed);
  for (float& v : t.values()) v = static_cast<float>(rng.uniform(lo, hi));
  return t;
}

TEST(ActsNoise, SpatialDropoutDropsWholeChannelsAtTheRateAndIsSeeded) {
  SpatialDropout2D layer({.rate = 0.3f, .seed = 4, .name = "sd"});
  const Shape in{3, 4, 50};
  const Tensor x = uniform_tensor(with_batch(40, in), 1);
  const Tensor a = run({&layer}, in, x, Phase::Train, 5), b = run({&layer}, in, x, Phase::Train, 5);
  const Tensor c = run({&layer}, in, x, Phase::Train, 6);
  int64_t dropped = 0, differ = 0;
  for (int64_t n = 0; n < 40; ++n) {
    for (int64_t ch = 0; ch < 50; ++ch) {
      const bool drop = a.at({n, 0, 0, ch}) == 0.0f;
      dropped += drop;
      differ += drop != (c.at({n, 0, 0, ch}) == 0.0f);
      for (int64_t h = 0; h < 3; ++h) {
        for (int64_t w = 0; w < 4; ++w) {
          const float want = drop ? 0.0f : x.at({n, h, w, ch}) / 0.7f;
          ASSERT_NEAR(a.at({n, h, w, ch}), want, 1e-5f) << "channel " << ch << " of sample " << n;
        }
      }
    }
  }
  EXPECT_EQ(max_abs_diff(a, b), 0.0f);  // same (seed, step): same mask
  EXPECT_NEAR(static_cast<double>(dropped) / 2000, 0.3, 0.04);  // sigma ~0.01
  EXPECT_GT(differ, 0);
  EXPECT_EQ(max_abs_diff(run({&layer}, in, x, Phase::Infer), x), 0.0f);
}

TEST(ActsNoise, GaussianNoiseAndDropoutHaveKerasStatisticsAndAreSeeded) {
  const Shape in{10, 10, 10};
  const Tensor x = uniform_tensor(with_batch(20, in), 2);
  GaussianNoise noise({.stddev = 0.5f, .seed = 3, .name = "gn"});
  const Tensor a = run({&noise}, in, x, Phase::Train), b = run({&noise}, in, x, Phase::Train);
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < x.size(); ++i) sum += a[i] - x[i], sq += (a[i] - x[i]) * (a[i] - x[i]);
  const double n = static_cast<double>(x.size());
  EXPECT_NEAR(sum / n, 0.0, 0.01);                          // 20k draws: sigma of the mean ~0.0035
  EXPECT_NEAR(std::sqrt(sq / n - (sum / n) * (sum / n)), 0.5, 0.01);
  EXPECT_EQ(max_abs_diff(a, b), 0.0f);
  EXPECT_GT(max_abs_diff(a, run({&noise}, in, x, Phase::Train, 6)), 0.0f);
  EXPECT_EQ(max_abs_diff(run({&noise}, in, x, Phase::Infer), x), 0.0f);

  GaussianDropout drop({.rate = 0.2f, .seed = 3, .name = "gd"});
  const Tensor d = run({&drop}, in, x, Phase::Train);
  sum = sq = 0;
  for (int64_t i = 0; i < x.size(); ++i) sum += d[i] / x[i], sq += (d[i] / x[i]) * (d[i] / x[i]);
  EXPECT_NEAR(sum / n, 1.0, 0.01);  // multiplicative N(1, rate / (1 - rate)): stddev 0.5
  EXPECT_NEAR(std::sqrt(sq / n - (sum / n) * (sum / n)), 0.5, 0.01);
  EXPECT_EQ(max_abs_diff(run({&drop}, in, x, Phase::Infer), x), 0.0f);
}

// The noise is a function of the logical element, not of the layout oneDNN picked.
TEST(ActsNoise, NoiseBehindABlockedLayoutMatchesNoiseOnAPlainOne) {
  const Shape in{5, 5, 16};
  const Tensor x = uniform_tensor(with_batch(4, in), 5, -1, 1);
  Conv2D conv({.filters = 16, .kernel_size = {1, 1}, .name = "c"});
  GaussianNoise noise({.stddev = 0.3f, .seed = 8, .name = "gn"});
  const Tensor conv_out = run({&conv}, in, x, Phase::Train);
  const Tensor both = run({&conv, &noise}, in, x, Phase::Train);
  GaussianNoise alone({.stddev = 0.3f, .seed = 8, .name = "gn2"});
  EXPECT_LT(max_abs_diff(both, run({&alone}, in, conv_out, Phase::Train)), 1e-6f);
}

// Conv2D with each new activation: the inference plan fuses it as a post-op
// (forward-only), the training plan runs it separately when its backward needs
// the pre-activation; both give the same output.
TEST(ActsFusion, PostOpAndSeparateActivationAgree) {
  const Shape in{6, 6, 8};
  const Tensor x = uniform_tensor(with_batch(2, in), 6, -3, 3);
  for (const std::string a : {"relu6", "swish", "silu", "hard_sigmoid", "gelu"}) {
    SCOPED_TRACE(a);
    Conv2D fused({.filters = 16, .padding = Padding::Same, .activation = a, .name = "c"});
    const Tensor infer = run({&fused}, in, x, Phase::Infer);
    const Tensor train = run({&fused}, in, x, Phase::Train, 5, true);
    EXPECT_LT(max_abs_diff(infer, train), 1e-5f);
    Conv2D plain({.filters = 16, .padding = Padding::Same, .name = "c"});
    Rng rng(7);
    plain.build(in, rng);
    for (size_t i = 0; i < 2; ++i) plain.params()[i]->value = fused.params()[i]->value;
    Activation act(a);
    act.set_name("a");
    const Tensor chain = run({&plain, &act}, in, x, Phase::Infer);  // Activation fused by the network plan
    EXPECT_LT(max_abs_diff(infer, chain), 1e-5f);
  }
}

TEST(ActsReshaping, ReshapeAndPermuteMoveElementsAsNumPyDoes) {
  const Shape in{2, 3, 16};
  const Tensor x = uniform_tensor(with_batch(2, in), 9);
  // Behind a 1x1 convolution with 16 filters the data arrive in a blocked layout.
  Conv2D conv({.filters = 16, .kernel_size = {1, 1}, .use_bias = false, .name = "c"});
  Rng rng(1);
  conv.build(in, rng);
  Tensor eye({1, 1, 16, 16});
  for (int64_t i = 0; i < 16; ++i) eye.at({0, 0, i, i}) = 1.0f;
  assign_keras_value(*conv.params()[0], eye);
  Permute perm({.dims = {3, 1, 2}, .name = "p"});
  const Tensor p = run({&conv, &perm}, in, x, Phase::Train);
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t c = 0; c < 16; ++c) {
      for (int64_t h = 0; h < 2; ++h) {
        for (int64_t w = 0; w < 3; ++w) ASSERT_EQ(p.at({n, c, h, w}), x.at({n, h, w, c}));
      }
    }
  }
  Reshape reshape({.target_shape = {6, -1}, .name = "r"});
  const Tensor r = run({&conv, &reshape}, in, x, Phase::Train);
  EXPECT_EQ(r.shape(), (Shape{2, 6, 16}));
  for (int64_t i = 0; i < x.size(); ++i) ASSERT_EQ(r[i], x[i]);  // row-major order kept
  Permute swap({.dims = {2, 1}, .name = "s"});
  Reshape back({.target_shape = {6, 4}, .name = "b"});
  const Tensor t = run({&back, &swap}, {24}, Tensor({2, 24}, x.values().subspan(0, 48)), Phase::Train);
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t i = 0; i < 6; ++i) {
      for (int64_t j = 0; j < 4; ++j) ASSERT_EQ(t.at({n, j, i}), x[n * 24 + i * 4 + j]);
    }
  }
}

TEST(ActsBatchNorm, NonChannelAxisKeepsMovingStatisticsPerIndexOfThatAxis) {
  BatchNormalization bn({.axis = 1, .momentum = 0.5f, .name = "bn"});
  const Shape in{3, 4, 5};
  const Tensor x = uniform_tensor(with_batch(6, in), 10, -2, 2);
  run({&bn}, in, x, Phase::Train);
  const Param* mean = bn.params()[2];
  const Param* var = bn.params()[3];
  ASSERT_EQ(mean->name, "moving_mean");
  for (int64_t h = 0; h < 3; ++h) {
    double s = 0, sq = 0;
    for (int64_t n = 0; n < 6; ++n) {
      for (int64_t w = 0; w < 4; ++w) {
        for (int64_t c = 0; c < 5; ++c) s += x.at({n, h, w, c}), sq += x.at({n, h, w, c}) * x.at({n, h, w, c});
      }
    }
    const double m = s / 120, v = (sq / 120 - m * m) * 120 / 119;  // unbiased, as PyTorch and TF2
    EXPECT_NEAR(mean->value[h], 0.5 * m, 1e-5);
    EXPECT_NEAR(var->value[h], 0.5 + 0.5 * v, 1e-5);
  }
}

}  // namespace
}  // namespace petal
