// Graph blocks against PyTorch on identical weights (tests/reference/torch_graph.py
// rebuilds each graph from petal's model description): a residual block, a
// projection shortcut and an Inception-style block, each followed by global
// average pooling and a softmax head. Forward, loss, every gradient, BN moving
// statistics and the weights after one SGD step with momentum; inference after.
// Tolerance as the MiniVGGNet parity test: within 1e-4 relative, or 3x PyTorch
// float32's own error where that is larger.
#include <gtest/gtest.h>

#include "model/model_document.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "petal/optimizers/sgd.h"
#include "testing/parity.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

KerasTensor conv(const KerasTensor& x, int64_t filters, int64_t k = 3, int64_t stride = 1,
                 const std::string& activation = "linear") {
  return Conv2D({.filters = filters, .kernel_size = {k, k}, .strides = {stride, stride}, .padding = Padding::Same,
                 .activation = activation})(x);
}

KerasTensor bn(const KerasTensor& x) { return BatchNormalization()(x); }
KerasTensor relu(const KerasTensor& x) { return Activation("relu")(x); }

Model head(const KerasTensor& in, const KerasTensor& features) {
  return Model(in, Dense({.units = 5, .activation = "softmax"})(GlobalAveragePooling2D()(features)), {.seed = 17});
}

// Conv-BN-ReLU-Conv-BN + identity, then ReLU.
Model residual_block() {
  auto in = Input({8, 8, 8});
  auto y = bn(conv(relu(bn(conv(in, 8))), 8));
  return head(in, relu(Add()({in, y})));
}

// The same with a stride-2 main path and a 1x1 stride-2 projection shortcut.
Model projection_block() {
  auto in = Input({8, 8, 4});
  auto y = bn(conv(relu(bn(conv(in, 8, 3, 2))), 8));
  auto shortcut = bn(conv(in, 8, 1, 2));
  return head(in, relu(Add()({shortcut, y})));
}

// Three branches (1x1; 1x1 then 3x3; 3x3 max pooling then 1x1) concatenated.
Model inception_block() {
  auto in = Input({8, 8, 4});
  auto a = conv(in, 4, 1, 1, "relu");
  auto b = conv(conv(in, 4, 1, 1, "relu"), 6, 3, 1, "relu");
  auto c = conv(MaxPooling2D({.pool_size = {3, 3}, .strides = {1, 1}, .padding = Padding::Same})(in), 4, 1, 1, "relu");
  return head(in, Concatenate()({a, b, c}));
}

void check_block(Model model, const Shape& input) {
  const std::string why = testing::python_unavailable("numpy torch");
  if (!why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const int64_t n = 16, classes = 5;
  const double lr = 0.05, momentum = 0.9;
  model.compile(SGD({.learning_rate = lr, .momentum = momentum}), "categorical_crossentropy", {"accuracy"});
  model.set_conv_algorithm(ConvAlgorithm::Direct);
  Rng rng(3);
  Tensor x(with_batch(n, input)), y({n, classes});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(-1, 1));
  for (int64_t i = 0; i < n; ++i) y.at({i, static_cast<int64_t>(rng.below(classes))}) = 1;
  NamedArrays doc;
  doc.emplace_back("doc", NpyArray::from_string(detail::model_document(model).dump()));
  const NamedArrays ref = testing::run_reference(model, x, y, lr, momentum, false, "tests/reference/torch_graph.py",
                                                 dir.path().string(), std::move(doc));
  ASSERT_FALSE(ref.empty());
  testing::check_step(model, x, y, ref, testing::relative_check(ref, 1e-4, 3));
}

TEST(TorchGraphParity, ResidualBlock) { check_block(residual_block(), {8, 8, 8}); }
TEST(TorchGraphParity, ProjectionShortcut) { check_block(projection_block(), {8, 8, 4}); }
TEST(TorchGraphParity, InceptionBlock) { check_block(inception_block(), {8, 8, 4}); }

}  // namespace
}  // namespace petal
