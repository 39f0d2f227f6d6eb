// ONNX export of every layer type and option petal has (asymmetric 'same' pads,
// fused and standalone activations, BN with and without centre/scale, folding),
// layouts of small graphs, a dynamic batch, and the errors: unbuilt model, bad
// opset, a layer ONNX cannot take, an unwritable path.
#include <gtest/gtest.h>

#include <iostream>

#include "interop/onnx_test_util.h"
#include "nn/layer_plan.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/optimizers/sgd.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using testing::OnnxCase;

// Every exporter row and option: odd sizes give asymmetric 'same' pads (conv
// 15 -> 8 with a 4-tall kernel: 1 before, 2 after; 3x3/2 average pooling 8 -> 4:
// 0 before, 1 after), BN folds into the bias-free conv and the last-but-one Dense.
Sequential coverage_model() {
  Sequential m({.seed = 3, .input_shape = {15, 13, 3}});
  m.add(Conv2D(
      {.filters = 8, .kernel_size = {4, 3}, .strides = {2, 2}, .padding = Padding::Same, .activation = "elu"}));
  m.add(BatchNormalization({.momentum = 0.5f, .center = false}));
  m.add(Activation("leaky_relu"));
  m.add(Conv2D({.filters = 6, .kernel_size = {3, 3}, .padding = Padding::Same, .use_bias = false}));
  m.add(BatchNormalization({.momentum = 0.5f}));
  m.add(Activation("tanh"));
  m.add(AveragePooling2D({.pool_size = {3, 3}, .strides = {2, 2}, .padding = Padding::Same}));
  m.add(MaxPooling2D({.pool_size = {2, 2}, .strides = {1, 1}, .padding = Padding::Same}));
  m.add(Activation("sigmoid"));
  m.add(Activation("softmax"));  // over the channels of a 4-D value
  m.add(Dropout(0.3f));
  m.add(Flatten());
  m.add(Dense({.units = 10, .activation = "relu"}));
  m.add(BatchNormalization({.momentum = 0.5f, .scale = false}));
  m.add(Dense({.units = 7}));
  m.add(BatchNormalization({.momentum = 0.5f}));
  m.add(Activation("linear"));
  m.add(Dense({.units = 5, .activation = "softmax"}));
  return m;
}

TEST(OnnxExport, EveryLayerAndOptionMatchesPetalInOpenCvAndPython) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
#ifdef PETAL_TEST_OPENCV_DNN
  const testing::ImageBatch images = testing::flower_images(6, 15, 13);
  Sequential model = coverage_model();
  model.compile(SGD({.learning_rate = 0.05}), "categorical_crossentropy");
  for (int step = 0; step < 3; ++step) model.train_on_batch(images.x, testing::one_hot(images.labels, 5));
  const Tensor expected = model.predict(images.x);
  testing::TempDir dir;
  std::vector<OnnxCase> cases;
  for (OnnxLayout layout : {OnnxLayout::Nhwc, OnnxLayout::Nchw}) {
    for (bool fold : {false, true}) {
      const OnnxOptions options{.layout = layout, .fold_batch_norm = fold, .opset = fold ? 13 : 17};
      const auto path = dir / ("coverage_" + to_string(layout) + (fold ? "_folded" : "") + ".onnx");
      save_onnx(model, path, options);
      const float diff = max_abs_diff(testing::opencv_predict(path, images.x, layout), expected);
      std::cout << "coverage " << to_string(layout) << (fold ? " folded" : "") << ": max |petal - OpenCV| = " << diff
                << "\n";
      EXPECT_LE(diff, 1e-4) << path;
      cases.push_back({path, options, fold ? 2 : 4});
    }
  }
  std::cout << testing::python_check(model, images.x, expected, cases, dir.path());
#endif
}

// Small graphs for the layout bookkeeping: an image output (returned in the
// graph's layout; a trailing Dropout becomes an Identity carrying the output
// name), a softmax over the channels of the NHWC input, Flatten without any
// convolution (no Transpose in the NHWC graph), and a vector input.
Sequential small_graph(const std::string& name) {
  if (name == "vector_input") {
    Sequential m({.seed = 8, .input_shape = {6}});
    m.add(Dense({.units = 5, .activation = "elu"}));
    m.add(BatchNormalization({.momentum = 0.5f}));
    m.add(Activation("leaky_relu"));
    m.add(Dropout(0.2f));
    m.add(Dense({.units = 3, .activation = "softmax"}));
    return m;
  }
  Sequential m({.seed = 5, .input_shape = {9, 7, 3}});
  if (name == "image_output") {
    m.add(Conv2D({.filters = 4, .kernel_size = {3, 3}, .padding = Padding::Same, .activation = "relu"}));
    m.add(Dropout(0.5f));
  } else if (name == "softmax_on_input") {
    m.add(Activation("softmax"));
    m.add(Conv2D({.filters = 4, .kernel_size = {3, 3}, .strides = {2, 2}}));
    m.add(MaxPooling2D());
    m.add(Flatten());
    m.add(Dense({.units = 3, .activation = "softmax"}));
  } else {  // dense_on_image
    m.add(Activation("tanh"));
    m.add(Flatten());
    m.add(Dense({.units = 4, .activation = "sigmoid"}));
  }
  return m;
}

class OnnxSmallGraphTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxSmallGraphTest, BothLayoutsMatchPetalInOpenCvAndPython) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
#ifdef PETAL_TEST_OPENCV_DNN
  Sequential model = small_graph(GetParam());
  Tensor x = testing::flower_images(3, 9, 7).x;
  if (model.input_shape().size() == 1) {
    x = Tensor({4, 6});
    for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 11) / 5.0f - 1.0f;
  }
  const Tensor expected = model.predict(x);
  testing::TempDir dir;
  std::vector<OnnxCase> cases;
  for (OnnxLayout layout : {OnnxLayout::Nhwc, OnnxLayout::Nchw}) {
    const auto path = dir / (GetParam() + "_" + to_string(layout) + ".onnx");
    save_onnx(model, path, {.layout = layout});
    Tensor got = testing::opencv_predict(path, x, layout);
    if (layout == OnnxLayout::Nchw && got.rank() == 4) got = testing::to_nhwc(got);
    ASSERT_EQ(got.shape(), expected.shape()) << path;
    EXPECT_LE(max_abs_diff(got, expected), 1e-5) << path;
    // The python checker compares 4-D outputs in NHWC only.
    if (layout == OnnxLayout::Nhwc || expected.rank() != 4) cases.push_back({path, {.layout = layout}});
  }
  testing::python_check(model, x, expected, cases, dir.path(), 1e-5);
#endif
}

INSTANTIATE_TEST_SUITE_P(Layouts, OnnxSmallGraphTest,
                         ::testing::Values("image_output", "softmax_on_input", "dense_on_image", "vector_input"));

// The batch dimension is "N": one loaded network runs batches of 1 and of 5.
TEST(OnnxExport, OneLoadedNetworkRunsAnyBatchSize) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
#ifdef PETAL_TEST_OPENCV_DNN
  Sequential model = small_graph("softmax_on_input");
  testing::TempDir dir;
  save_onnx(model, dir / "m.onnx");
  cv::dnn::Net net = cv::dnn::readNetFromONNX((dir / "m.onnx").string());
  for (int64_t n : {1, 5, 2}) {
    const Tensor x = testing::flower_images(n, 9, 7).x;
    EXPECT_LE(max_abs_diff(testing::opencv_predict(net, x, OnnxLayout::Nhwc), model.predict(x)), 1e-5) << n;
  }
#endif
}

// A layer type without an ONNX exporter (standing in for a Lambda layer).
class Opaque : public Layer {
 public:
  Opaque() : Layer("", {}) {}
  std::string type() const override { return "Lambda"; }
  std::string name_prefix() const override { return "lambda"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Opaque>(std::move(*this)); }
  std::string config_json() const override { return "{}"; }
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext&) override { return nullptr; }

 protected:
  Shape do_build(const Shape& input_shape, Rng&) override { return input_shape; }
};

template <typename E>
void expect_error(const std::function<void()>& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing '" << part << "'";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(OnnxExport, ALayerWithoutExporterIsNamedAndNothingIsWritten) {
  if (!onnx_export_available()) GTEST_SKIP() << "petal was built without ONNX export";
  Sequential model({.input_shape = {4}});
  model.add(Dense({.units = 3}));
  model.add(std::unique_ptr<Layer>(std::make_unique<Opaque>()));
  testing::TempDir dir;
  expect_error<ConfigError>([&] { save_onnx(model, dir / "m.onnx"); },
                            "Lambda(name='lambda_1'): cannot be exported to ONNX; petal has no ONNX exporter");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(OnnxExport, RefusesAnUnbuiltModelAndUnsupportedOpsets) {
  testing::TempDir dir;
  Sequential unbuilt;
  unbuilt.add(Dense({.units = 3}));
  expect_error<StateError>([&] { save_onnx(unbuilt, dir / "m.onnx"); }, "expected a built model");
  Sequential model({.input_shape = {4}});
  model.add(Dense({.units = 3}));
  expect_error<ConfigError>([&] { save_onnx(model, dir / "m.onnx", {.opset = 12}); }, "expected opset 13 to 17");
  expect_error<ConfigError>([&] { save_onnx(model, dir / "m.onnx", {.opset = 18}); }, "received 18");
  EXPECT_TRUE(dir.entries().empty());
  expect_error<ConfigError>([] { onnx_layout_from_string("chwn"); }, "expected 'nhwc' or 'nchw'; received 'chwn'");
  EXPECT_EQ(onnx_layout_from_string("nchw"), OnnxLayout::Nchw);
}

// Only in a petal built without libonnx-dev/libprotobuf-dev (PETAL_WITH_ONNX=OFF).
TEST(OnnxExport, WithoutOnnxSupportSaveOnnxSaysHowToGetIt) {
  if (onnx_export_available()) GTEST_SKIP() << "this petal has ONNX export; the test is for builds without it";
  testing::TempDir dir;
  Sequential model({.input_shape = {4}});
  model.add(Dense({.units = 3}));
  expect_error<ConfigError>([&] { save_onnx(model, dir / "m.onnx"); }, "built without ONNX export");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(OnnxExport, AnUnwritableDestinationIsAnIoError) {
  if (!onnx_export_available()) GTEST_SKIP() << "petal was built without ONNX export";
  testing::TempDir dir;
  Sequential model({.input_shape = {4}});
  model.add(Dense({.units = 3}));
  expect_error<IoError>([&] { save_onnx(model, dir / "missing" / "m.onnx"); }, "missing");
}

}  // namespace
}  // namespace petal
