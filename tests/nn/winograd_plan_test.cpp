// Conv2D on petal's Winograd (src/nn/winograd_plan.h): which convolutions it
// takes, training steps that equal direct convolution's to Winograd's rounding,
// and the gradient check, with ConvAlgorithm::Winograd so that every CPU runs
// it (by default only CPUs without oneDNN's Winograd do). Inference with batch
// norms folded and residual sums taken: graph_fusion_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "nn/winograd_plan.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"
#include "testing/gradcheck.h"
#include "testing/side_by_side.h"

namespace petal {
namespace winograd_plan_test {

using detail::ConvSpec;
using detail::PlanContext;

// A 16 -> 16 channel 3x3 "same" convolution, as Conv2D::make_plan describes it.
ConvSpec fitting_spec() {
  ConvSpec s;
  s.kernel_md = detail::keras_conv_kernel_md(3, 3, 16, 16, 1);
  s.src_shape = {10, 10, 16};
  s.dst_shape = {10, 10, 16};
  s.strides = {1, 1};
  s.dilates = {0, 0};
  s.pad_l = {1, 1};
  s.pad_r = {1, 1};
  s.winograd_allowed = true;
  return s;
}

TEST(WinogradPlan, TakesTheConvolutionsItFits) {
  PlanContext petal;
  petal.engine = detail::cpu_engine();
  petal.conv_algorithm = dnnl::algorithm::convolution_winograd;
  EXPECT_TRUE(detail::petal_winograd_fits(fitting_spec(), petal));
  ConvSpec relu6 = fitting_spec();
  relu6.activation = ActivationFn::Relu6;
  EXPECT_TRUE(detail::petal_winograd_fits(relu6, petal));

  const auto without = [&](auto change) {
    ConvSpec s = fitting_spec();
    change(s);
    return detail::petal_winograd_fits(s, petal);
  };
  EXPECT_FALSE(without([](ConvSpec& s) { s.strides = {2, 2}; }));
  EXPECT_FALSE(without([](ConvSpec& s) { s.kernel_md = detail::keras_conv_kernel_md(5, 5, 16, 16, 1); }));
  EXPECT_FALSE(without([](ConvSpec& s) { s.src_shape[2] = 20; }));  // not whole 8-channel vectors
  EXPECT_FALSE(without([](ConvSpec& s) { s.pad_l = {3, 1}; }));     // beyond the window
  EXPECT_FALSE(without([](ConvSpec& s) { s.activation = ActivationFn::Elu; }));
  EXPECT_FALSE(without([](ConvSpec& s) { s.winograd_allowed = false; }));  // groups, dilation, < 16 channels

  PlanContext direct = petal;
  direct.conv_algorithm = dnnl::algorithm::convolution_direct;
  EXPECT_FALSE(detail::petal_winograd_fits(fitting_spec(), direct));
  // Auto: petal's for small outputs, and for every size where oneDNN has no
  // Winograd kernel (below AVX-512).
  PlanContext automatic = petal;
  automatic.conv_algorithm = dnnl::algorithm::convolution_auto;
  EXPECT_TRUE(detail::petal_winograd_fits(fitting_spec(), automatic));
  ConvSpec large = fitting_spec();
  large.src_shape = large.dst_shape = {32, 32, 16};
  EXPECT_EQ(detail::petal_winograd_fits(large, automatic), !detail::winograd_available(automatic.engine));
}

KerasTensor conv(const KerasTensor& x, int64_t filters, const std::string& activation = "linear",
                 Padding padding = Padding::Same, bool bias = true) {
  return Conv2D({.filters = filters, .kernel_size = {3, 3}, .padding = padding, .activation = activation,
                 .use_bias = bias})(x);
}

// Odd sizes (partial tiles), a bias with relu fused, a convolution without bias
// before a batch norm, a residual sum, a "valid" convolution.
Model net(ConvAlgorithm algorithm) {
  const KerasTensor in = Input({9, 11, 16});
  KerasTensor x = BatchNormalization()(conv(in, 16, "relu"));
  KerasTensor y = ReLU()(BatchNormalization()(conv(x, 24, "linear", Padding::Same, false)));
  x = ReLU()(Add()({Conv2D({.filters = 24, .kernel_size = {1, 1}})(x), y}));
  x = GlobalAveragePooling2D()(conv(x, 16, "linear", Padding::Valid));
  return Model(in, Dense({.units = 3, .activation = "softmax"})(x), {.seed = 5, .conv_algorithm = algorithm});
}

TEST(WinogradPlan, TrainingStepsMatchDirectConvolution) {
  Model wino = net(ConvAlgorithm::Winograd), direct = net(ConvAlgorithm::Direct);
  direct.set_weights(wino.get_weights());
  for (Model* m : {&wino, &direct}) {
    m->compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy");
  }
  const Tensor x = testing::uniform_tensor({4, 9, 11, 16}, 3);
  Tensor y({4, 3});
  for (int64_t i = 0; i < 4; ++i) y.at({i, i % 3}) = 1.0f;
  const double largest = testing::expect_same_training(wino, direct, x, y, 3, 1e-4);
  // Winograd rounds differently: equal bits would mean both ran direct.
  EXPECT_GT(largest, 0.0);
}

TEST(WinogradPlan, PassesTheGradientCheck) {
  // Linear: with a relu between, central differences cross its kink here for
  // direct convolution too; WinogradConv's tests cover the fused clamp.
  const KerasTensor in = Input({6, 7, 16});
  KerasTensor x = conv(conv(in, 16), 16, "linear", Padding::Valid);
  Model m(in, Dense({.units = 2})(GlobalAveragePooling2D()(x)), {.seed = 9});
  const testing::GradcheckResult r = testing::gradcheck_model(
      m, {.batch = 2, .conv_algorithm = dnnl::algorithm::convolution_winograd});
  EXPECT_EQ(r.failure, "") << r.worst_where;
  EXPECT_GT(r.checked, 40);
}

}  // namespace winograd_plan_test
}  // namespace petal
