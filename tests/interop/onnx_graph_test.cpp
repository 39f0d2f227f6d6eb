// ONNX export of functional models: every merge layer over values in mixed
// layouts (the NHWC input and NCHW convolution outputs), fan-out, a shared layer
// called twice, two inputs and two outputs; a ResNet residual block and a
// MobileNetV2 inverted-residual block on Flowers-17 images. OpenCV's dnn and the
// Python checker reproduce petal's predictions within 1e-4.
#include <gtest/gtest.h>

#include "interop/onnx_graph_util.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "petal/layers/rescaling.h"

namespace petal {
namespace {

using testing::check_export;

// Two inputs (an image and a feature vector), two outputs; every merge layer.
Model merge_graph() {
  KerasTensor image = Input({12, 10, 3}, {.name = "image"});
  KerasTensor features = Input({4}, {.name = "features"});
  KerasTensor s = Rescaling({.scale = 2.0f, .offset = -1.0f})(image);  // stays NHWC in an NHWC export
  KerasTensor c1 = Conv2D({.filters = 3, .padding = Padding::Same, .activation = "relu"})(s);  // NCHW
  auto shared = petal::shared(Conv2D({.filters = 3, .padding = Padding::Same, .name = "shared_conv"}));
  KerasTensor a = shared(c1), b = shared(s);  // one layer, two calls (the second named shared_conv_1)
  KerasTensor add = Add()({s, c1, a});
  KerasTensor sub = Subtract()({add, b});
  KerasTensor mul = Multiply()({sub, s, c1});
  KerasTensor avg = Average()({mul, a});
  KerasTensor mx = Maximum()({avg, b, s});
  KerasTensor mn = Minimum()({mx, c1});
  KerasTensor channels = Concatenate()({mn, s, a});                // [12, 10, 9]
  KerasTensor rows = Concatenate({.axis = 1})({mn, BatchNormalization({.momentum = 0.5f})(b)});  // [24, 10, 3]
  KerasTensor pooled = GlobalMaxPooling2D()(channels);
  KerasTensor f = Dense({.units = 6, .activation = "tanh"})(features);
  KerasTensor joined = Concatenate()({pooled, f, GlobalAveragePooling2D()(channels)});
  KerasTensor out1 = Dense({.units = 5, .activation = "softmax", .name = "classes"})(joined);
  KerasTensor out2 = Dense({.units = 3, .activation = "softmax", .name = "rows"})(Flatten()(rows));
  return Model({image, features}, {out1, out2}, {.seed = 4, .name = "merges"});
}

TEST(OnnxGraph, EveryMergeLayerWithFanOutSharedLayersAndTwoInputsAndOutputs) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
  Model model = merge_graph();
  Tensor features({6, 4});
  for (int64_t i = 0; i < features.size(); ++i) features[i] = static_cast<float>((i * 7) % 9) / 4.0f - 1.0f;
  const TensorList xs({testing::flower_images(6, 12, 10).x, features});
  testing::train_steps(model, xs, 3);
  testing::TempDir dir;
  const auto report = check_export(model, xs, "merges", testing::all_variants(), dir);
  RecordProperty("max_abs_diff_opencv", std::to_string(report.opencv_diff));
}

// A ResNet basic block (conv-BN-ReLU-conv-BN, projection shortcut, Add, ReLU)
// and a MobileNetV2 inverted-residual block (expand 1x1, BN, ReLU6, depthwise
// 3x3, BN, ReLU6, project 1x1, BN, Add with the block's input) on 32 x 32 images.
Model residual_blocks(const std::string& which) {
  KerasTensor in = Input({32, 32, 3});
  KerasTensor x = Conv2D({.filters = 8, .strides = {2, 2}, .padding = Padding::Same, .use_bias = false})(in);
  x = BatchNormalization({.momentum = 0.5f})(x);
  x = ReLU()(x);
  if (which == "resnet_block") {
    KerasTensor y = Conv2D({.filters = 16, .strides = {2, 2}, .padding = Padding::Same, .use_bias = false})(x);
    y = ReLU()(BatchNormalization({.momentum = 0.5f})(y));
    y = Conv2D({.filters = 16, .padding = Padding::Same, .use_bias = false})(y);
    y = BatchNormalization({.momentum = 0.5f})(y);
    KerasTensor shortcut = Conv2D({.filters = 16, .kernel_size = {1, 1}, .strides = {2, 2}, .use_bias = false})(x);
    shortcut = BatchNormalization({.momentum = 0.5f})(shortcut);
    x = Activation("relu")(Add()({y, shortcut}));
  } else {  // inverted_residual
    KerasTensor y = Conv2D({.filters = 48, .kernel_size = {1, 1}, .use_bias = false})(x);
    y = ReLU({.max_value = 6.0f})(BatchNormalization({.momentum = 0.5f})(y));
    y = DepthwiseConv2D({.padding = Padding::Same, .use_bias = false})(y);
    y = Activation("relu6")(BatchNormalization({.momentum = 0.5f})(y));
    y = Conv2D({.filters = 8, .kernel_size = {1, 1}, .use_bias = false})(y);
    y = BatchNormalization({.momentum = 0.5f})(y);
    x = Add()({x, y});
  }
  x = GlobalAveragePooling2D()(x);
  return Model(in, Dense({.units = 17, .activation = "softmax"})(x), {.seed = 9, .name = which});
}

class OnnxBlockTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxBlockTest, ReproducedOnFlowerImagesByOpenCvAndPython) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
  Model model = residual_blocks(GetParam());
  const testing::ImageBatch images = testing::flower_images(12, 32, 32);
  std::cout << "images: " << images.source << "\n";
  testing::train_steps(model, images.x, 4);
  testing::TempDir dir;
  const auto report = check_export(model, images.x, GetParam(), testing::all_variants(), dir);
  RecordProperty("max_abs_diff_opencv", std::to_string(report.opencv_diff));
}

INSTANTIATE_TEST_SUITE_P(Blocks, OnnxBlockTest, ::testing::Values("resnet_block", "inverted_residual"));

}  // namespace
}  // namespace petal
