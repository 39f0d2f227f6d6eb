// Training fusion (src/model/graph_fusion.h): a relu or relu6 after a batch norm
// or a residual Add runs inside that layer's plan in both phases (the batch
// norm's own loops while training, its backward mask recomputed from the input;
// the Add's loop, masked from its output), and a ZeroPadding2D becomes the
// padding of the convolution reading it. Training steps on the fused graph
// equal steps on the same graph with the fusion blocked, and the fused graph
// passes the gradient check in both phases.
#include <gtest/gtest.h>

#include <string>

#include "model/graph_plan.h"
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
#include "testing/gradcheck.h"
#include "testing/side_by_side.h"

namespace petal {
namespace {

// A linear Activation between a layer and its activation keeps them apart (it
// is an identity plan, and only a relu or relu6 fuses).
KerasTensor kept_apart(const KerasTensor& x, bool block) { return block ? Activation("linear")(x) : x; }

KerasTensor same_conv(const KerasTensor& x, int64_t filters, int64_t k = 3) {
  return Conv2D({.filters = filters, .kernel_size = {k, k}, .padding = Padding::Same})(x);
}

// Six fusions: relu6 and relu after batch norms with and without gamma or beta,
// an Add of three tensors with its relu, a batch norm over 20 channels (a full and a
// partial channel block in oneDNN's blocked layouts), MobileNetV2's zero padding
// before a stride-2 depthwise convolution (folded into its padding) and a batch
// norm after a Dense (2-D).
Model net(bool block, int64_t side = 10) {
  const KerasTensor in = Input({side, side, 3});
  KerasTensor x = ReLU({.max_value = 6.0f})(kept_apart(BatchNormalization()(same_conv(in, 16)), block));
  KerasTensor y = Activation("relu")(kept_apart(BatchNormalization({.scale = false})(same_conv(x, 16)), block));
  x = ReLU()(kept_apart(Add()({x, y, same_conv(y, 16)}), block));
  x = ReLU({.max_value = 6.0f})(kept_apart(BatchNormalization({.center = false})(same_conv(x, 20, 1)), block));
  x = kept_apart(ZeroPadding2D({.padding = Sides2D({0, 1}, {0, 1})})(x), block);
  x = DepthwiseConv2D({.kernel_size = {3, 3}, .strides = {2, 2}})(x);
  x = GlobalAveragePooling2D()(x);
  x = Activation("relu")(kept_apart(BatchNormalization()(Dense({.units = 6})(x)), block));
  return Model(in, Dense({.units = 3, .activation = "softmax"})(x), {.seed = 41});
}

TEST(TrainFusion, FusedStepsEqualTheUnfusedOnes) {
  Model fused = net(false), unfused = net(true);
  testing::expect_fusion_trains_alike(fused, unfused, {10, 10, 3}, 3, 6, 42, 1e-6);
}

// At inference the batch norms run on oneDNN with the activation in place after
// them (and the Add in its loop, as while training). The training phase is not
// checked this way: with batch statistics over four samples the loss is too
// nonlinear for central differences in float32 (the unfused graph and oneDNN's
// own batch norm fail alike); FusedStepsEqualTheUnfusedOnes and the PyTorch
// parity tests (residual blocks, ResNet-18, MobileNetV2) cover it.
TEST(TrainFusion, FusedGraphPassesTheGradientCheckAtInference) {
  Model m = net(false, 4);
  const testing::GradcheckResult r = testing::gradcheck_model(m, {.batch = 3, .phase = detail::Phase::Infer});
  EXPECT_EQ(r.failure, "") << r.worst_where;
  EXPECT_GT(r.checked, 100);
}

}  // namespace
}  // namespace petal
