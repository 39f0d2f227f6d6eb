// ONNX export of every layer type and option of the layer vocabulary, one small
// model per family, trained a few steps on Flowers-17 crops: convolutions
// (depthwise, separable, dilated, grouped, transposed with TensorFlow's uneven
// cropping), resampling and padding, the activation layers and functions,
// reshaping and the identities at inference, batch norm on other axes, and
// layer normalization (which OpenCV 4.6 cannot load: checked in Python only).
#include <gtest/gtest.h>

#include "interop/onnx_graph_util.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/conv2d_transpose.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/layer_normalization.h"
#include "petal/layers/noise_layers.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/layers/rescaling.h"
#include "petal/layers/reshaping.h"
#include "petal/layers/separable_conv2d.h"
#include "petal/layers/up_sampling2d.h"

namespace petal {
namespace {

KerasTensor head(KerasTensor x, int64_t classes = 5) {
  return Dense({.units = classes, .activation = "softmax"})(Flatten()(x));
}

Model convolutions() {
  KerasTensor in = Input({11, 9, 4});
  KerasTensor x = DepthwiseConv2D({.strides = {2, 2}, .padding = Padding::Same, .depth_multiplier = 2,
                                   .activation = "relu6"})(in);
  x = BatchNormalization({.momentum = 0.5f})(x);  // folds into the depthwise convolution
  x = SeparableConv2D({.filters = 6, .padding = Padding::Same, .dilation_rate = {2, 2}, .activation = "swish"})(x);
  x = Conv2D({.filters = 6, .padding = Padding::Same, .dilation_rate = {2, 1}, .groups = 3, .activation = "gelu"})(x);
  x = SeparableConv2D({.filters = 4, .kernel_size = {2, 3}, .use_bias = false})(x);
  x = BatchNormalization({.momentum = 0.5f})(x);  // folds into the pointwise step
  x = Activation("hard_sigmoid")(x);
  return Model(in, Dense({.units = 5, .activation = "softmax"})(GlobalMaxPooling2D()(x)), {.seed = 1, .name = "convs"});
}

Model resampling() {
  KerasTensor in = Input({7, 6, 3});
  KerasTensor x = Conv2DTranspose({.filters = 4, .strides = {2, 2}, .padding = Padding::Same})(in);  // uneven crop
  x = UpSampling2D({.size = {2, 1}})(x);
  x = Conv2DTranspose({.filters = 3, .kernel_size = {2, 2}, .strides = {2, 2}, .activation = "relu"})(x);  // even
  x = Conv2DTranspose({.filters = 3, .kernel_size = {3, 3}, .strides = {2, 2}, .output_padding = std::array<int64_t, 2>{1, 0},
                       .activation = "tanh"})(x);  // rows only the bias reaches
  x = UpSampling2D({.size = {1, 2}, .interpolation = "bilinear"})(x);
  x = Conv2DTranspose({.filters = 3, .padding = Padding::Same, .dilation_rate = {2, 1}})(x);  // dilated
  x = ZeroPadding2D({.padding = Sides2D({1, 2}, {0, 3})})(x);
  x = Cropping2D({.cropping = Sides2D({2, 0}, {1, 1})})(x);
  x = MaxPooling2D({.pool_size = {4, 4}})(x);
  return Model(in, head(x), {.seed = 2, .name = "resampling"});
}

Model activations() {
  KerasTensor in = Input({8, 8, 3});
  KerasTensor x = Conv2D({.filters = 6, .padding = Padding::Same})(in);
  x = ReLU({.max_value = 6.0f})(x);
  x = LeakyReLU({.alpha = 0.1f})(Conv2D({.filters = 6})(x));
  x = PReLU({.alpha_initializer = "glorot_uniform", .shared_axes = {1, 2}})(x);  // one slope per channel
  x = ELU({.alpha = 0.5f})(x);
  x = ReLU({.max_value = 4.0f, .negative_slope = 0.1f, .threshold = 0.2f})(x);
  x = PReLU({.alpha_initializer = "glorot_uniform"})(x);  // a slope per element
  x = ReLU({.negative_slope = 0.2f})(x);
  x = ReLU({.threshold = 0.1f})(Activation("swish")(x));
  x = Softmax({.axis = 1})(Activation("gelu")(x));
  x = Softmax()(Activation("relu6")(x));
  return Model(in, head(x), {.seed = 3, .name = "activations"});
}

Model reshaping() {
  KerasTensor in = Input({6, 4, 3});
  KerasTensor x = Rescaling({.scale = 0.5f, .offset = 0.25f})(in);
  x = Conv2D({.filters = 4, .padding = Padding::Same})(x);
  x = BatchNormalization({.axis = 1, .momentum = 0.5f})(x);  // per row
  x = BatchNormalization({.axis = 2, .momentum = 0.5f})(x);  // per column
  x = SpatialDropout2D(0.3f)(GaussianNoise(0.2f)(GaussianDropout(0.2f)(x)));
  x = Reshape({.target_shape = {24, 4}})(x);
  x = Permute({.dims = {2, 1}})(x);  // [4, 24]
  x = BatchNormalization({.axis = 1, .momentum = 0.5f})(x);
  x = Activation("softmax")(x);  // over the last axis of a [4, 24] value
  x = Reshape({.target_shape = {4, 6, 4}})(x);
  x = Permute({.dims = {3, 1, 2}})(x);
  x = Conv2D({.filters = 3, .kernel_size = {2, 2}})(x);
  return Model(in, head(x), {.seed = 4, .name = "reshaping"});
}

Model layer_norm() {
  KerasTensor in = Input({5, 4, 3});
  KerasTensor x = Conv2D({.filters = 4, .padding = Padding::Same})(in);
  x = LayerNormalization()(x);
  x = LayerNormalization({.axis = {1, 2, 3}, .center = false})(x);
  x = LayerNormalization({.axis = {1}, .epsilon = 0.01f, .scale = false})(x);  // not the trailing axes
  x = Dense({.units = 6, .activation = "relu"})(Flatten()(x));
  x = LayerNormalization()(x);
  return Model(in, Dense({.units = 5, .activation = "softmax"})(x), {.seed = 5, .name = "layer_norm"});
}

Model build(const std::string& name) {
  if (name == "convolutions") return convolutions();
  if (name == "resampling") return resampling();
  if (name == "activations") return activations();
  if (name == "reshaping") return reshaping();
  return layer_norm();
}

class OnnxLayersTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxLayersTest, MatchPetalInOpenCvAndPython) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
  Model model = build(GetParam());
  const Shape& in = model.input_shape();
  const Tensor x = testing::flower_images(6, in[0], in[1]).x;
  Tensor xs = x;
  if (in[2] != 3) {  // more channels: repeat the colours
    xs = Tensor(with_batch(6, in));
    for (int64_t i = 0; i < xs.size(); ++i) xs[i] = x[(i / in[2]) * 3 + (i % in[2]) % 3];
  }
  testing::train_steps(model, xs, 3, 0.01);
  testing::TempDir dir;
  // OpenCV 4.6 has no LayerNormalization, and ReduceMean with keepdims gives it wrong shapes.
  const bool opencv = GetParam() != "layer_norm";
  const auto report = testing::check_export(model, xs, GetParam(), testing::all_variants(), dir, opencv);
  if (opencv) RecordProperty("max_abs_diff_opencv", std::to_string(report.opencv_diff));
}

INSTANTIATE_TEST_SUITE_P(Vocabulary, OnnxLayersTest,
                         ::testing::Values("convolutions", "resampling", "activations", "reshaping", "layer_norm"));

// The opset-17 graph of a LayerNormalization over the trailing axes uses ONNX's
// LayerNormalization op; opset 13 spells it out. Both are checked above.
TEST(OnnxLayers, LayerNormalizationUsesTheOpsetSeventeenOp) {
  if (!onnx_export_available()) GTEST_SKIP() << "petal was built without ONNX export";
  Model model = layer_norm();
  testing::TempDir dir;
  model.save_onnx(dir / "ln17.onnx");
  model.save_onnx(dir / "ln13.onnx", {.opset = 13});
  auto count = [](const std::filesystem::path& p, const std::string& op) {
    std::ifstream in(p, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    size_t n = 0;
    for (size_t at = bytes.find(op); at != std::string::npos; at = bytes.find(op, at + 1)) ++n;
    return n;
  };
  // The op type appears once per node: the three layers over trailing axes.
  EXPECT_EQ(count(dir / "ln17.onnx", "LayerNormalization"), 3u);
  EXPECT_EQ(count(dir / "ln13.onnx", "LayerNormalization"), 0u);
}

}  // namespace
}  // namespace petal
