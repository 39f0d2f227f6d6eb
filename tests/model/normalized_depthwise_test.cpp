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

#include "model/graph_plan.h"
#include "model/model_impl.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/optimizers/sgd.h"
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

size_t planned_training_nodes(Model& model, int64_t batch) {
  Model::Impl& m = model.impl();
  return detail::GraphPlan(m.nodes, m.output_nodes, batch, detail::Phase::Train, m.engine).planned_nodes();
}

TEST(NormalizedDepthwise, FusedStepsEqualTheUnfusedOnes) {
  Model fused = net(false), unfused = net(true);
  // The three batch norms run inside the convolutions' plans.
  EXPECT_EQ(planned_training_nodes(unfused, 4) - planned_training_nodes(fused, 4), 3u);
  unfused.set_weights(fused.get_weights());
  for (Model* m : {&fused, &unfused}) m->compile(SGD({.learning_rate = 0.1, .momentum = 0.9}), "categorical_crossentropy");
  // Inputs spread wide enough that the relu6 clips at both ends.
  Tensor x = testing::uniform_tensor({4, 11, 11, 3}, 8);
  for (int64_t i = 0; i < x.size(); ++i) x[i] *= 8.0f;
  Tensor y({4, 3});
  for (int64_t i = 0; i < 4; ++i) y.at({i, i % 3}) = 1.0f;
  testing::expect_same_training(fused, unfused, x, y, 3, 1e-5);
}

}  // namespace normalized_depthwise_test
}  // namespace petal
