// Every zoo model at its usual input size, trained four Adam steps on the batch (so
// batch-norm statistics and predictions are far from their initial values),
// exported in both layouts with and without folding, reproduced by OpenCV's dnn
// and by the independent Python checker on real images within 1e-4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <set>
#include <vector>

#include "interop/onnx_test_util.h"
#include "model/graph_node.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/adam.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using testing::OnnxCase;

constexpr int64_t kBatch = 12;

// The input size each model is trained at: the tutorial's 64 for MiniVGGNet,
// petal's recipe's 96 for vgg_bn, small ones for the others.
int64_t input_size(const std::string& model) {
  if (model == "minivggnet") return 64;
  if (model == "vgg_bn") return 96;
  return model == "lenet" ? 28 : 32;
}
constexpr double kTolerance = 1e-4;  // absolute, on probabilities

// Whether a BatchNormalization after a `producer` layer is folded into it.
bool folds_into(const std::string& producer) {
  return producer == "Conv2D" || producer == "Dense" || producer == "DepthwiseConv2D" ||
         producer == "SeparableConv2D";
}

// BatchNormalization nodes left in the graph: those after a convolution or Dense
// are folded (vgg_bn's, the ResNets' and MobileNetV2's); MiniVGGNet's follow a
// ReLU (kept). A Sequential's layer order is its graph; a functional model's
// graph is walked from its outputs.
int batch_norm_nodes(const Model& model, bool fold) {
  std::vector<std::string> producers;  // the input layer type of each BatchNormalization
  if (model.is_sequential()) {
    const auto layers = model.layers();
    for (size_t i = 1; i < layers.size(); ++i) {
      if (layers[i]->type() == "BatchNormalization") producers.push_back(layers[i - 1]->type());
    }
  } else {
    std::set<const detail::GraphNode*> seen;
    std::vector<KerasTensor> todo = model.outputs();
    while (!todo.empty()) {
      const KerasTensor t = todo.back();
      todo.pop_back();
      if (!seen.insert(t.node().get()).second) continue;
      const detail::GraphNode& node = *t.node();
      if (node.layer->type() == "BatchNormalization") producers.push_back(node.inputs.at(0).layer().type());
      todo.insert(todo.end(), node.inputs.begin(), node.inputs.end());
    }
  }
  return static_cast<int>(std::count_if(producers.begin(), producers.end(),
                                        [&](const std::string& p) { return !(fold && folds_into(p)); }));
}

// Why `model` cannot be exported yet (a layer type without an ONNX exporter), or "".
std::string unexported(const Model& model, const std::filesystem::path& dir) {
  try {
    save_onnx(model, dir / "probe.onnx");
  } catch (const ConfigError& e) {
    if (std::string(e.what()).find("petal has no ONNX exporter for") != std::string::npos) return e.what();
    throw;
  }
  return "";
}

class OnnxZooTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxZooTest, OpenCvAndPythonReproducePetalsPredictions) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
#ifdef PETAL_TEST_OPENCV_DNN
  const std::string name = GetParam();
  const int64_t size = input_size(name);
  const testing::ImageBatch images = testing::flower_images(kBatch, size, size);
  std::cout << "images: " << images.source << "\n";
  Model model =
      build_model(name, {.height = size, .width = size, .depth = 3, .classes = 17, .seed = 7, .bn_momentum = 0.5f});
  testing::TempDir probe;
  if (const std::string why = unexported(model, probe.path()); !why.empty()) GTEST_SKIP() << why;
  model.compile(Adam({.learning_rate = 0.002}), "categorical_crossentropy");
  const Tensor y = testing::one_hot(images.labels, 17);
  for (int step = 0; step < 4; ++step) model.train_on_batch(images.x, y);
  const Tensor expected = model.predict(images.x);
  // Not a vacuous comparison: moving statistics moved, predictions are not uniform.
  const auto names = model.weight_names();
  const auto weights = model.get_weights();
  // Each BN's statistics left their start (mean 0, variance 1); MobileNetV2's
  // expand layers see small inputs, so their means alone move less than 1e-3.
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].find("moving_mean") == std::string::npos) continue;
    float moved = 0;
    for (float v : weights[i].values()) moved = std::max(moved, std::abs(v));
    for (float v : weights.at(i + 1).values()) moved = std::max(moved, std::abs(v - 1.0f));
    EXPECT_TRUE(names.at(i + 1).find("moving_variance") != std::string::npos) << names[i + 1];
    EXPECT_GT(moved, 1e-3f) << names[i];
  }
  const float top = *std::max_element(expected.values().begin(), expected.values().end());
  std::cout << name << " at " << size << "x" << size << ": largest probability " << top << "\n";
  EXPECT_GT(top, 2.0f / 17);

  testing::TempDir dir;
  std::vector<OnnxCase> cases;
  for (OnnxLayout layout : {OnnxLayout::Nhwc, OnnxLayout::Nchw}) {
    for (bool fold : {false, true}) {
      const OnnxOptions options{.layout = layout, .fold_batch_norm = fold};
      const auto path = dir / (name + "_" + to_string(layout) + (fold ? "_folded" : "") + ".onnx");
      save_onnx(model, path, options);
      const Tensor got = testing::opencv_predict(path, images.x, layout);
      ASSERT_EQ(got.shape(), expected.shape()) << path;
      const float diff = max_abs_diff(got, expected);
      std::cout << name << " " << to_string(layout) << (fold ? " folded" : "") << ": max |petal - OpenCV| = " << diff
                << "\n";
      EXPECT_LE(diff, kTolerance) << path;
      cases.push_back({path, options, batch_norm_nodes(model, fold)});
    }
  }
  std::cout << testing::python_check(model, images.x, expected, cases, dir.path(), kTolerance);
#endif
}

INSTANTIATE_TEST_SUITE_P(Zoo, OnnxZooTest, ::testing::ValuesIn(zoo_models()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace petal
