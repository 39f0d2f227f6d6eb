// Dropout: the drop rate holds, kept values are scaled by 1/(1-rate), masks
// change from step to step and repeat for the same (seed, step).
#include <gtest/gtest.h>

#include <cmath>

#include "model/net_plan.h"
#include "petal/layers/core_layers.h"

namespace petal {
namespace {

Tensor run(Dropout& layer, const Tensor& x, uint64_t step, dnnl::engine& engine) {
  detail::NetPlan plan({&layer}, {x.dim(1)}, x.dim(0), detail::Phase::Train, engine);
  detail::StepContext ctx;
  ctx.stream = dnnl::stream(engine);
  ctx.step = step;
  const float* y = plan.forward(x, ctx);
  return Tensor(x.shape(), std::span<const float>(y, static_cast<size_t>(x.size())));
}

TEST(Dropout, RateScaleAndSeededMasks) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Dropout layer({.rate = 0.25f, .seed = 3});
  layer.set_name("dropout");
  Rng rng(1);
  layer.build(Shape{1000}, rng);
  const Tensor x({100, 1000}, 2.0f);
  const Tensor a = run(layer, x, 5, engine), b = run(layer, x, 5, engine), c = run(layer, x, 6, engine);
  int64_t dropped = 0, differ = 0;
  for (int64_t i = 0; i < x.size(); ++i) {
    ASSERT_TRUE(a[i] == 0.0f || std::fabs(a[i] - 2.0f / 0.75f) < 1e-6f) << a[i];
    dropped += a[i] == 0.0f;
    differ += (a[i] == 0.0f) != (c[i] == 0.0f);
    ASSERT_EQ(a[i], b[i]);
  }
  const double rate = static_cast<double>(dropped) / static_cast<double>(x.size());
  EXPECT_NEAR(rate, 0.25, 0.005);  // 100k draws: sigma ~0.0014
  // Independent masks disagree on 2 * 0.25 * 0.75 = 37.5% of elements.
  EXPECT_NEAR(static_cast<double>(differ) / static_cast<double>(x.size()), 0.375, 0.01);
}

}  // namespace
}  // namespace petal
