// Convolution kernels in the blocked layout oneDNN's direct convolution prefers
// (nn/conv_plan.cpp, ParamView's adopt_layout): the first plan to read a kernel,
// if it trains, moves it there for good; a kernel first read by another plan
// keeps Keras's layout. Either way training, prediction, the optimizer's state
// and the saved file are those of Keras's layout.
#include <gtest/gtest.h>

#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/pooling.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

Sequential net() {
  Sequential m({.seed = 11, .input_shape = {10, 10, 3}});
  m.add(Conv2D({.filters = 16, .kernel_size = {3, 3}, .padding = Padding::Same}));  // 3 input channels: padded blocks
  m.add(BatchNormalization());
  m.add(Conv2D({.filters = 24, .kernel_size = {1, 1}, .activation = "relu"}));
  m.add(DepthwiseConv2D({.kernel_size = {3, 3}, .strides = {2, 2}, .padding = Padding::Same}));
  // 3x3 with 16 channels: Winograd at inference.
  m.add(Conv2D({.filters = 16, .kernel_size = {3, 3}, .padding = Padding::Same}));
  m.add(BatchNormalization());
  m.add(GlobalAveragePooling2D());
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy");
  return m;
}

size_t blocked_kernels(Model& m) {
  size_t n = 0;
  for (Layer* l : m.layers()) {
    if (l->type() == "Dense") continue;
    for (Param* p : l->params()) n += p->layout != nullptr;
  }
  return n;
}

TEST(ConvKernelStorage, TrainingFirstMovesKernelsPredictingFirstKeepsThemAndBothTrainAlike) {
  const Tensor x = testing::uniform_tensor({8, 10, 10, 3}, 2);
  Tensor y({8, 3});
  for (int64_t i = 0; i < 8; ++i) y.at({i, i % 3}) = 1;
  Sequential trained_first = net(), predicted_first = net();
  predicted_first.predict(x);  // its inference plan reads the kernels in Keras's layout
  for (int step = 0; step < 3; ++step) {
    EXPECT_EQ(trained_first.train_on_batch(x, y).at("loss"), predicted_first.train_on_batch(x, y).at("loss"));
  }
  EXPECT_EQ(blocked_kernels(predicted_first), 0u);
  const auto wa = trained_first.get_weights(), wb = predicted_first.get_weights();
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_EQ(max_abs_diff(wa[i], wb[i]), 0.0f) << trained_first.weight_names()[i];
  EXPECT_EQ(max_abs_diff(trained_first.predict(x), predicted_first.predict(x)), 0.0f);
  // The momentum goes through the file in Keras's layout: training goes on alike.
  testing::TempDir dir;
  trained_first.save(dir.path() / "a.petal");
  Model loaded = load_model(dir.path() / "a.petal");
  for (int step = 0; step < 2; ++step) {
    EXPECT_EQ(trained_first.train_on_batch(x, y).at("loss"), loaded.train_on_batch(x, y).at("loss"));
  }
  EXPECT_EQ(max_abs_diff(trained_first.predict(x), loaded.predict(x)), 0.0f);
  if (blocked_kernels(trained_first) == 0) {
    GTEST_SKIP() << "oneDNN keeps convolution kernels in Keras's layout on this CPU; checked that layout";
  }
}

}  // namespace
}  // namespace petal
