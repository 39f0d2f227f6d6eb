// Inference fusion (src/model/graph_fusion.h): batch norms and activations after
// a convolution or dense run as its post-ops; outputs match the unfused plan.
#include <gtest/gtest.h>

#include <string>

#include "model/graph_plan.h"
#include "model/model_impl.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/pooling.h"
#include "petal/layers/rescaling.h"
#include "petal/layers/separable_conv2d.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"
#include "testing/parity.h"

namespace petal {
namespace {

using detail::GraphPlan;

// Moves every batch norm's weights and statistics away from their initial
// values (gamma 1, beta 0, mean 0, variance 1), so that a wrong scale or shift shows.
int randomize_batch_norms(Model& model, uint64_t seed) {
  Rng rng(seed);
  int count = 0;
  for (Layer* l : model.layers()) {
    if (!dynamic_cast<BatchNormalization*>(l)) continue;
    ++count;
    for (Param* p : l->params()) {
      const bool positive = p->name == "gamma" || p->name == "moving_variance";
      for (int64_t i = 0; i < p->value.size(); ++i) {
        p->value.data()[i] = static_cast<float>(positive ? rng.uniform(0.5, 1.5) : rng.uniform(-0.5, 0.5));
      }
    }
  }
  return count;
}

struct Run {
  Tensor out;
  size_t planned = 0;
};

// The model's graph in a fresh inference plan, with or without post-op fusion.
Run infer(Model& model, const Tensor& x, bool post_ops, dnnl::algorithm algorithm) {
  Model::Impl& m = model.impl();
  GraphPlan plan(m.nodes, m.output_nodes, x.dim(0), detail::Phase::Infer, m.engine,
                 GraphPlan::Options{.conv_algorithm = algorithm, .post_ops = post_ops});
  detail::StepContext step{.stream = dnnl::stream(m.engine)};
  plan.forward(TensorRefs(x), step);
  Shape shape{x.dim(0)};
  for (int64_t d : model.output_shape()) shape.push_back(d);
  Tensor out(shape);
  std::copy(plan.output(0), plan.output(0) + out.size(), out.data());
  return {out, plan.planned_nodes()};
}

// Fused against unfused with direct convolution, oneDNN's choice and petal's
// Winograd; returns how many nodes fusion removed with direct convolution.
size_t expect_fusion_matches(Model& model, const Tensor& x, const std::string& what) {
  size_t removed = 0;
  for (const auto algorithm : {dnnl::algorithm::convolution_direct, dnnl::algorithm::convolution_auto,
                               dnnl::algorithm::convolution_winograd}) {
    const Run fused = infer(model, x, true, algorithm);
    const Run plain = infer(model, x, false, algorithm);
    EXPECT_LT(testing::rel_error(fused.out, plain.out), 1e-5) << what;
    EXPECT_LT(fused.planned, plain.planned) << what << ": nothing was fused";
    if (algorithm == dnnl::algorithm::convolution_direct) removed = plain.planned - fused.planned;
  }
  return removed;
}

// Every batch norm of these models follows a convolution or dense (possibly
// through an Activation), so each is fused away at least.
TEST(GraphFusion, ZooModelsMatchTheUnfusedPlan) {
  struct Case {
    std::string name;
    ZooOptions options;
  };
  const Case cases[] = {{"minivggnet", {.height = 32, .width = 32, .classes = 5, .seed = 3}},
                        {"resnet18", {.height = 32, .width = 32, .classes = 5, .seed = 4}},
                        {"mobilenet_v2", {.height = 32, .width = 32, .classes = 5, .seed = 5, .alpha = 0.5}}};
  for (const Case& c : cases) {
    Model model = build_model(c.name, c.options);
    const int batch_norms = randomize_batch_norms(model, 7);
    const Tensor x = testing::uniform_tensor({3, 32, 32, 3}, 8);
    const size_t removed = expect_fusion_matches(model, x, c.name);
    EXPECT_GE(removed, static_cast<size_t>(batch_norms)) << c.name;
    // The model's own inference path is the fused plan.
    const TensorList predicted = model.predict_on_batch(x);
    EXPECT_LT(testing::rel_error(predicted[0], infer(model, x, false, dnnl::algorithm::convolution_auto).out), 1e-5)
        << c.name;
  }
}

// Every post-op form (ReLU6, LeakyReLU, ELU, Rescaling, Activation, batch norm
// after dense, SeparableConv2D's pointwise step), and the layers that stay
// apart: a ReLU threshold, a tensor read twice.
TEST(GraphFusion, EveryFollowerKindMatchesTheUnfusedPlan) {
  const KerasTensor in = Input({12, 12, 4});
  KerasTensor x = Conv2D({.filters = 8, .kernel_size = {3, 3}, .padding = Padding::Same})(in);
  x = BatchNormalization()(x);
  x = LeakyReLU({.alpha = 0.1f})(x);
  x = DepthwiseConv2D({.kernel_size = {3, 3}, .padding = Padding::Same})(x);
  x = ELU({.alpha = 0.7f})(x);
  x = BatchNormalization({.scale = false})(x);
  x = ReLU({.max_value = 6.0f})(x);
  x = SeparableConv2D({.filters = 6, .kernel_size = {3, 3}, .padding = Padding::Same})(x);
  x = Rescaling({.scale = 0.5f, .offset = 0.25f})(x);
  x = BatchNormalization({.center = false})(x);
  x = Activation("tanh")(x);
  const KerasTensor branch = Conv2D({.filters = 6, .kernel_size = {1, 1}})(x);
  x = Add()({ReLU({.threshold = 0.1f})(branch), branch});
  x = GlobalAveragePooling2D()(x);
  x = Dense({.units = 16})(x);
  x = BatchNormalization()(x);
  x = Activation("relu")(x);
  x = Dense({.units = 3, .activation = "softmax"})(x);
  Model model(in, x, {.seed = 11});
  randomize_batch_norms(model, 12);
  const Tensor batch = testing::uniform_tensor({2, 12, 12, 4}, 13);
  // Fused: BN+LeakyReLU, ELU+BN+ReLU, Rescaling+BN+Activation, BN+Activation;
  // the unfused plan runs the last ReLU and Activation("relu") inside their batch
  // norms already (both phases fuse relu and relu6 into a batch norm).
  EXPECT_EQ(expect_fusion_matches(model, batch, "every follower kind"), 8u);
}

// A batch norm straight after a primitive with a linear output is folded into
// its weights and bias (per output channel: with and without a bias, grouped
// depthwise weights with a multiplier, SeparableConv2D's pointwise step, Dense,
// a 16-channel convolution that Winograd takes with the batch norm folded); after
// a convolution with its own ReLU it stays a post-op. Each matches the unfused plan.
TEST(GraphFusion, BatchNormRightAfterAPrimitiveFoldsIntoItsWeights) {
  const KerasTensor in = Input({12, 12, 4});
  KerasTensor x = BatchNormalization()(Conv2D({.filters = 16, .kernel_size = {3, 3}, .padding = Padding::Same})(in));
  x = BatchNormalization()(
      Conv2D({.filters = 16, .kernel_size = {3, 3}, .padding = Padding::Same, .use_bias = false})(x));
  x = ReLU()(x);
  x = BatchNormalization()(
      DepthwiseConv2D({.kernel_size = {3, 3}, .padding = Padding::Same, .depth_multiplier = 2})(x));
  x = BatchNormalization({.center = false})(
      SeparableConv2D({.filters = 8, .kernel_size = {3, 3}, .padding = Padding::Same, .use_bias = false})(x));
  x = BatchNormalization()(
      Conv2D({.filters = 8, .kernel_size = {3, 3}, .padding = Padding::Same, .activation = "relu"})(x));
  x = GlobalAveragePooling2D()(x);
  x = BatchNormalization({.scale = false})(Dense({.units = 6})(x));
  x = Dense({.units = 3, .activation = "softmax"})(x);
  Model model(in, x, {.seed = 21});
  randomize_batch_norms(model, 22);
  // Every batch norm is fused away (folded or as a post-op); the unfused plan
  // runs the ReLU inside the batch norm before it already.
  EXPECT_EQ(expect_fusion_matches(model, testing::uniform_tensor({3, 12, 12, 4}, 23), "folded batch norms"), 6u);
}

// A residual Add runs as a sum post-op writing over its other operand, where no
// later layer reads that operand: conv -> Add -> ReLU (a sum first, which every
// ISA's kernels take), conv -> BN -> Add (a sum after batch norm, which some
// kernels refuse; then the Add runs on its own), and an operand read again later.
TEST(GraphFusion, ResidualAddRunsAsASumWhereItsOperandIsFree) {
  const auto conv = [] { return Conv2D({.filters = 8, .kernel_size = {3, 3}, .padding = Padding::Same}); };
  const KerasTensor in = Input({10, 10, 8});
  const KerasTensor x0 = conv()(in);
  const KerasTensor x1 = ReLU()(Add()({x0, conv()(conv()(x0))}));                       // sum + relu
  const KerasTensor x2 = Add()({x1, BatchNormalization()(conv()(conv()(x1)))});         // BN, maybe sum
  const KerasTensor x3 = Add()({Add()({x2, conv()(conv()(x2))}), x2});                   // x2 read again
  const KerasTensor out = Dense({.units = 3})(GlobalAveragePooling2D()(x3));
  Model model(in, out, {.seed = 21});
  randomize_batch_norms(model, 22);
  EXPECT_GE(expect_fusion_matches(model, testing::uniform_tensor({2, 10, 10, 8}, 23), "residual sums"), 3u);
}

// At inference a ZeroPadding2D read only by a convolution becomes its padding
// (MobileNetV2's stride-2 blocks), unless the padding would exceed the kernel.
TEST(GraphFusion, ZeroPaddingFoldsIntoTheConvolutionAfterIt) {
  const KerasTensor in = Input({9, 9, 4});
  KerasTensor x = ZeroPadding2D({.padding = Sides2D({0, 1}, {1, 1})})(in);
  x = DepthwiseConv2D({.kernel_size = {3, 3}, .strides = {2, 2}})(x);                  // folded
  x = ZeroPadding2D({.padding = Sides2D(1)})(x);
  x = Conv2D({.filters = 6, .kernel_size = {3, 3}, .padding = Padding::Same})(x);       // folded: 1 + 1 <= 2
  x = ZeroPadding2D({.padding = Sides2D(3)})(x);
  x = Conv2D({.filters = 5, .kernel_size = {3, 3}})(x);                                 // 3 > 2: kept apart
  const KerasTensor out = Dense({.units = 3})(GlobalAveragePooling2D()(x));
  Model model(in, out, {.seed = 31});
  EXPECT_EQ(expect_fusion_matches(model, testing::uniform_tensor({2, 9, 9, 4}, 32), "zero padding"), 2u);
}

// How many fewer nodes petal's Winograd plans than direct convolution (both
// fused, each matching its unfused plan) for [1x1 conv ->] 3x3 conv -> ReLU and
// batch norm (in either order) -> MaxPooling2D(2x2) -> dense: 1 when the pooling
// runs in the Winograd output transform.
size_t winograd_takes_pool(const Shape& input, bool lead_1x1, bool relu_first, Padding pool_padding) {
  const KerasTensor in = Input(input);
  KerasTensor x = lead_1x1 ? Conv2D({.filters = 16, .kernel_size = {1, 1}})(in) : in;  // a blocked layout
  x = Conv2D({.filters = 16, .kernel_size = {3, 3}, .padding = Padding::Same,
              .activation = relu_first ? "relu" : "linear"})(x);
  x = BatchNormalization()(x);
  if (!relu_first) x = ReLU()(x);
  x = MaxPooling2D({.pool_size = {2, 2}, .padding = pool_padding})(x);
  const KerasTensor out = Dense({.units = 3})(Flatten()(x));
  Model model(in, out, {.seed = 41});
  randomize_batch_norms(model, 42);
  Shape batch = input;
  batch.insert(batch.begin(), 2);
  const Tensor data = testing::uniform_tensor(batch, 43);
  expect_fusion_matches(model, data, "max pooling");
  return infer(model, data, true, dnnl::algorithm::convolution_direct).planned -
         infer(model, data, true, dnnl::algorithm::convolution_winograd).planned;
}

// MaxPooling2D(2x2) after petal's Winograd convolution, its batch norm and ReLU
// runs in the output transform where its output is half the input (rounded
// down): channels-last and blocked, odd sizes, "same" on even sizes.
TEST(GraphFusion, MaxPoolingAfterPetalsWinogradRunsInItsOutputTransform) {
  EXPECT_EQ(winograd_takes_pool({13, 11, 16}, false, true, Padding::Valid), 1u);  // the last row and column dropped
  EXPECT_EQ(winograd_takes_pool({12, 10, 16}, true, false, Padding::Same), 1u);
  EXPECT_EQ(winograd_takes_pool({13, 11, 16}, true, true, Padding::Valid), 1u);
  EXPECT_EQ(winograd_takes_pool({12, 11, 16}, true, false, Padding::Same), 0u);  // pads a column: stays apart
}

// The folded scale and shift follow the weights: predict after training steps
// (which move the weights and the moving statistics) uses the new values.
TEST(GraphFusion, PredictAfterTrainingUsesTheCurrentWeights) {
  Model model = minivggnet({.height = 16, .width = 16, .classes = 3, .seed = 2, .bn_momentum = 0.5f});
  model.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy");
  const Tensor x = testing::uniform_tensor({4, 16, 16, 3}, 3);
  Tensor y({4, 3});
  for (int64_t i = 0; i < 4; ++i) y.at({i, i % 3}) = 1.0f;
  const Tensor before = model.predict_on_batch(x)[0];  // the inference plan exists from here on
  for (int i = 0; i < 3; ++i) model.train_on_batch(x, y);
  const Tensor after = model.predict_on_batch(x)[0];
  EXPECT_GT(testing::rel_error(before, after), 1e-3) << "training changed nothing: the test would not see stale values";
  // Folding rounds differently from running the batch norms apart (~1e-5 with
  // the trained weights); stale values would differ by the change above.
  EXPECT_LT(testing::rel_error(after, infer(model, x, false, dnnl::algorithm::convolution_auto).out), 1e-4);
}

}  // namespace
}  // namespace petal
