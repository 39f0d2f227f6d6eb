// Global average pooling on petal's loops (src/nn/global_average_plan.h)
// against a reference in double: blocked layouts with full and partial channel
// blocks (the gradient's padding written zero), a batch cut into parts of
// several images; plain layouts stay on oneDNN.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nn/global_average_plan.h"
#include "petal/core/rng.h"
#include "testing/dnnl_reorder.h"

namespace petal::detail {
namespace {

struct Case {
  std::string name;
  int64_t n, c, h, w;
  Tag tag;
};

TEST(GlobalAveragePlan, MeanAndGradientMatchTheReferenceInBlockedLayouts) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  for (const Case& k : {Case{"nChw16c, 20 channels", 3, 20, 5, 4, Tag::nChw16c},
                        Case{"nChw8c, 24 channels", 2, 24, 3, 3, Tag::nChw8c},
                        Case{"nChw16c, 70 images of 3x3 in parts", 70, 32, 3, 3, Tag::nChw16c}}) {
    const Dims dims{k.n, k.c, k.h, k.w};
    const memory::desc plain(dims, memory::data_type::f32, Tag::nchw), md(dims, memory::data_type::f32, k.tag);
    Rng rng(static_cast<uint64_t>(k.n * 100 + k.c));
    std::vector<float> x(static_cast<size_t>(k.n * k.c * k.h * k.w)), dy(static_cast<size_t>(k.n * k.c));
    for (auto& v : x) v = static_cast<float>(rng.uniform(-2.0, 3.0));
    for (auto& v : dy) v = static_cast<float>(rng.uniform(-1.0, 1.0));

    PlanContext ctx{.engine = engine, .src_md = md, .batch = k.n};
    std::unique_ptr<LayerPlan> plan = global_average_plan(ctx, {k.h, k.w, k.c});
    ASSERT_NE(plan, nullptr) << k.name;
    std::vector<float> bx = testing::reorder_floats(x, plain, md), y(dy.size());
    std::vector<float> bdx(bx.size(), std::nanf(""));  // padding must come back zero
    memory src(md, engine, bx.data()), dst(plan->dst_md(), engine, y.data()), diff_dst(plan->dst_md(), engine, dy.data()),
        diff_src(md, engine, bdx.data());
    plan->bind(src, dst);
    plan->bind_backward(diff_dst, diff_src);
    StepContext step{.stream = dnnl::stream(engine)};
    plan->forward(step);
    plan->backward(step);

    const std::vector<float> dx = testing::reorder_floats(bdx, md, plain);
    const std::vector<float> real = testing::reorder_floats(std::vector<float>(x.size(), 1.0f), plain, md);
    for (size_t i = 0; i < real.size(); ++i) {
      if (real[i] != 0.0f) continue;  // a real element (1)
      EXPECT_EQ(bdx[i], 0.0f) << k.name << ", padding at " << i;
    }
    const int64_t area = k.h * k.w;
    for (int64_t i = 0; i < k.n * k.c; ++i) {
      double mean = 0;
      for (int64_t p = 0; p < area; ++p) mean += x[i * area + p];
      mean /= static_cast<double>(area);
      EXPECT_NEAR(y[i], mean, 1e-6) << k.name << ", output " << i;
      for (int64_t p = 0; p < area; ++p) {
        EXPECT_NEAR(dx[i * area + p], dy[i] / static_cast<double>(area), 1e-7) << k.name << ", gradient " << i;
      }
    }
  }
}

TEST(GlobalAveragePlan, PlainLayoutsStayOnOneDnn) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const memory::desc nhwc({2, 5, 3, 3}, memory::data_type::f32, Tag::nhwc);
  EXPECT_EQ(global_average_plan(PlanContext{.engine = engine, .src_md = nhwc, .batch = 2}, {3, 3, 5}), nullptr);
}

}  // namespace
}  // namespace petal::detail
