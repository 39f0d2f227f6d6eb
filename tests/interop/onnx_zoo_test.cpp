// Every zoo model, trained a few steps (so batch-norm statistics are not trivial),
// exported in both layouts with and without folding, reproduced by OpenCV's dnn
// and by the independent Python checker on real images within 1e-4.
#include <gtest/gtest.h>

#include <iostream>

#include "interop/onnx_test_util.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using testing::OnnxCase;

constexpr int64_t kSize = 32, kBatch = 12;
constexpr double kTolerance = 1e-4;  // absolute, on probabilities

// BatchNormalization nodes left in the graph: vgg_bn's all follow a bias-free
// Conv2D (folded); MiniVGGNet's follow a ReLU (kept).
int batch_norm_nodes(const Sequential& model, bool fold) {
  int count = 0;
  const auto layers = model.layers();
  for (size_t i = 1; i < layers.size(); ++i) {
    if (layers[i]->type() != "BatchNormalization") continue;
    const std::string before = layers[i - 1]->type();
    if (!(fold && (before == "Conv2D" || before == "Dense"))) ++count;
  }
  return count;
}

class OnnxZooTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxZooTest, OpenCvAndPythonReproducePetalsPredictions) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
#ifdef PETAL_TEST_OPENCV_DNN
  const std::string name = GetParam();
  const testing::ImageBatch images = testing::flower_images(kBatch, kSize, kSize);
  std::cout << "images: " << images.source << "\n";
  Sequential model =
      build_model(name, {.height = kSize, .width = kSize, .depth = 3, .classes = 17, .seed = 7, .bn_momentum = 0.5f});
  model.compile(SGD({.learning_rate = 0.01f}), "categorical_crossentropy");
  const Tensor y = testing::one_hot(images.labels, 17);
  for (int step = 0; step < 3; ++step) model.train_on_batch(images.x, y);
  const Tensor expected = model.predict(images.x);

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
