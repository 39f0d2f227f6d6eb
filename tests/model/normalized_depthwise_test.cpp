// A training batch norm taken by the 3x3 depthwise convolution after it
// (src/nn/normalized_depthwise_plan.h): steps of the fused graph equal those of
// the same graph with a linear Activation keeping the two apart (the batch
// norm on its loops, the convolution on oneDNN): losses, every weight and the
// moving statistics. Three fusions over 20 channels (a full and a partial
// channel block): ReLU6 and a folded ZeroPadding2D before a stride-2 valid
// convolution, ReLU before a stride-1 'same' one, no activation before a
// stride-2 'same' one; batch norms with and without gamma or beta. The batch
// norms after the convolutions take their statistics from the convolution's
// sums (LayerPlan::output_statistics). (No bias before a batch norm: its
// gradient is zero but for rounding, which differs.)
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "model/graph_plan.h"
#include "model/model_impl.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/merge.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "testing/fixtures.h"
#include "testing/side_by_side.h"

namespace petal {
namespace normalized_depthwise_test {  // named: the unity build joins anonymous namespaces

KerasTensor kept_apart(const KerasTensor& x, bool block) { return block ? Activation("linear")(x) : x; }

KerasTensor depthwise(const KerasTensor& x, int64_t stride, Padding padding) {
  return DepthwiseConv2D({.kernel_size = {3, 3}, .strides = {stride, stride}, .padding = padding, .use_bias = false})(x);
}

Model net(bool block) {
  const KerasTensor in = Input({11, 11, 3});
  KerasTensor x = Conv2D({.filters = 20, .kernel_size = {1, 1}, .use_bias = false})(in);
  x = kept_apart(ReLU({.max_value = 6.0f})(BatchNormalization()(x)), block);
  x = depthwise(ZeroPadding2D({.padding = Sides2D({0, 1}, {0, 1})})(x), 2, Padding::Valid);
  x = kept_apart(ReLU()(BatchNormalization({.scale = false})(x)), block);
  x = depthwise(x, 1, Padding::Same);
  x = kept_apart(BatchNormalization({.center = false})(x), block);
  x = depthwise(x, 2, Padding::Same);
  x = ReLU({.max_value = 6.0f})(BatchNormalization()(x));
  x = GlobalAveragePooling2D()(x);
  return Model(in, Dense({.units = 3, .activation = "softmax"})(x), {.seed = 5});
}

// The three batch norms before the convolutions run inside their plans.
TEST(NormalizedDepthwise, FusedStepsEqualTheUnfusedOnes) {
  Model fused = net(false), unfused = net(true);
  testing::expect_fusion_trains_alike(fused, unfused, {11, 11, 3}, 3, 3, 8, 1e-5);
}

// A batch norm that defers its input gradient to the convolution before it,
// with a branch beside them: the gradient buffer the convolution reads late
// stays alive (gradients in their own buffers and written in place agree),
// and both equal the unfused plan's.
Model branched() {
  const KerasTensor in = Input({9, 9, 3});
  const KerasTensor c = Conv2D({.filters = 16, .kernel_size = {1, 1}, .use_bias = false})(in);
  const KerasTensor d = depthwise(ReLU({.max_value = 6.0f})(BatchNormalization()(c)), 1, Padding::Same);
  const KerasTensor e = Conv2D({.filters = 16, .kernel_size = {1, 1}})(ReLU()(c));
  // e first: Keras's order (by depth, then as found) puts e's ReLU between the
  // convolution and its batch norm, and c's gradient, which that ReLU writes
  // first, would take the batch norm's gradient buffer were its life not
  // extended to the convolution's backward.
  KerasTensor y = Add()({e, ReLU({.max_value = 6.0f})(BatchNormalization()(d))});
  y = GlobalAveragePooling2D()(y);
  return Model(in, Dense({.units = 3})(y), {.seed = 9});
}

std::vector<std::vector<float>> gradients(Model& model, const Tensor& x, const detail::GraphPlan::Options& options) {
  Model::Impl& m = model.impl();
  detail::GraphPlan plan(m.nodes, m.output_nodes, x.dim(0), detail::Phase::Train, m.engine, options);
  detail::StepContext step{.stream = dnnl::stream(m.engine), .accumulate_grads = false};
  plan.forward(TensorRefs(x), step);
  const Tensor r = testing::uniform_tensor({x.dim(0), 3}, 5);
  std::copy(r.data(), r.data() + r.size(), plan.output_grad(0));
  plan.backward(step, std::vector<char>(1, 0));
  std::vector<std::vector<float>> g;
  for (Layer* layer : model.layers()) {
    for (Param* p : layer->params()) {
      if (p->trainable) g.emplace_back(p->grad.data(), p->grad.data() + p->grad.size());
    }
  }
  return g;
}

TEST(NormalizedDepthwise, DeferredGradientsAgreeInEveryBufferPlacement) {
  Model model = branched();
  Tensor x = testing::uniform_tensor({3, 9, 9, 3}, 4);
  for (int64_t i = 0; i < x.size(); ++i) x[i] *= 8.0f;
  const auto own = gradients(model, x, {.in_place_gradients = false});
  const auto in_place = gradients(model, x, {});
  const auto unfused = gradients(model, x, {.post_ops = false});
  ASSERT_EQ(own.size(), in_place.size());
  for (size_t i = 0; i < own.size(); ++i) {
    EXPECT_EQ(own[i], in_place[i]) << "parameter " << i;
    for (size_t j = 0; j < own[i].size(); ++j) {
      ASSERT_NEAR(own[i][j], unfused[i][j], 1e-4 * (1.0 + std::abs(unfused[i][j]))) << "parameter " << i << ", " << j;
    }
  }
}

}  // namespace normalized_depthwise_test
}  // namespace petal
