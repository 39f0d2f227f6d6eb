// Gradients written in place (GraphPlan::Options::in_place_gradients): a batch
// norm training on petal's loops writes its input's gradient over its output's
// (LayerPlan::backward_in_place) where it is that gradient's first writer. The
// gradients equal those of a plan that gives every gradient its own buffer, with
// a model input's gradient, a fan-out summed into an in-place gradient and
// chains of in-place writers.
#include <gtest/gtest.h>

#include <vector>

#include "model/graph_plan.h"
#include "model/model_impl.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "testing/fixtures.h"

namespace petal {
namespace {

using detail::GraphPlan;

Model net() {
  const KerasTensor in = Input({8, 8, 3});
  const KerasTensor x = Conv2D({.filters = 16, .kernel_size = {3, 3}, .padding = Padding::Same})(
      BatchNormalization()(in));                                                  // the input's gradient in place
  // Keras's order puts b's branch first (as deep as a's, found first from the
  // Add), so backward reaches the batch norm first: it writes x's gradient in
  // place, b's first convolution then adds into it.
  const KerasTensor a = ReLU({.max_value = 6.0f})(BatchNormalization()(x));
  const auto pointwise = [](const KerasTensor& t) { return Conv2D({.filters = 16, .kernel_size = {1, 1}})(t); };
  const KerasTensor b = pointwise(pointwise(x));
  KerasTensor y = BatchNormalization({.scale = false})(Add()({b, a}));  // the Add's gradient in place
  y = DepthwiseConv2D({.kernel_size = {3, 3}, .padding = Padding::Same})(y);
  y = ReLU()(BatchNormalization({.center = false})(BatchNormalization()(y)));     // a chain of two
  return Model(in, Dense({.units = 3})(GlobalAveragePooling2D()(y)), {.seed = 7});
}

struct Grads {
  std::vector<std::vector<float>> params;
  std::vector<float> input;
  size_t in_place = 0;
};

Grads step(Model& model, const Tensor& x, bool in_place) {
  Model::Impl& m = model.impl();
  GraphPlan plan(m.nodes, m.output_nodes, x.dim(0), detail::Phase::Train, m.engine,
                 GraphPlan::Options{.input_grad = true, .in_place_gradients = in_place});
  detail::StepContext step{.stream = dnnl::stream(m.engine), .accumulate_grads = false};
  plan.forward(TensorRefs(x), step);
  const Tensor r = testing::uniform_tensor({x.dim(0), 3}, 5);
  std::copy(r.data(), r.data() + r.size(), plan.output_grad(0));
  const std::vector<char> pre_activation(1, 0);
  plan.backward(step, pre_activation);
  Grads g;
  for (Layer* layer : model.layers()) {
    for (Param* p : layer->params()) {
      if (p->trainable) g.params.emplace_back(p->grad.data(), p->grad.data() + p->grad.size());
    }
  }
  g.input.assign(plan.input_grad(0), plan.input_grad(0) + x.size());
  g.in_place = plan.gradients_in_place();
  return g;
}

TEST(InPlaceGradients, EqualGradientsInTheirOwnBuffers) {
  Model model = net();
  Tensor x = testing::uniform_tensor({4, 8, 8, 3}, 3);
  for (int64_t i = 0; i < x.size(); ++i) x[i] *= 8.0f;  // the relu6 clips at both ends
  const Grads own = step(model, x, false);
  const Grads in_place = step(model, x, true);
  EXPECT_EQ(own.in_place, 0u);
  EXPECT_EQ(in_place.in_place, 5u);
  ASSERT_EQ(own.params.size(), in_place.params.size());
  for (size_t i = 0; i < own.params.size(); ++i) EXPECT_EQ(own.params[i], in_place.params[i]) << "parameter " << i;
  EXPECT_EQ(own.input, in_place.input);
}

}  // namespace
}  // namespace petal
