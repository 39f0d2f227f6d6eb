// MiniVGGNet written with the functional API trains exactly as the Sequential
// petal::minivggnet: same layer names, same initial weights from the seed, the
// same dropout masks and shuffles, so bit-identical weights after 3 epochs of fit.
#include <gtest/gtest.h>

#include <cstring>

#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"

namespace petal {
namespace {

// The layers of src/models/minivggnet.cpp, called on tensors.
Model functional_minivggnet(const ZooOptions& o) {
  const KerasTensor input = Input({o.height, o.width, o.depth});
  KerasTensor x = input;
  for (int64_t filters : {32, 64}) {
    for (int i = 0; i < 2; ++i) {
      x = Conv2D({.filters = filters, .kernel_size = {3, 3}, .padding = Padding::Same})(x);
      x = Activation("relu")(x);
      x = BatchNormalization({.momentum = 0.99f})(x);
    }
    x = MaxPooling2D({.pool_size = {2, 2}})(x);
    x = Dropout(0.25f)(x);
  }
  x = Flatten()(x);
  x = Dense({.units = 512})(x);
  x = Activation("relu")(x);
  x = BatchNormalization({.momentum = 0.99f})(x);
  x = Dropout(0.5f)(x);
  x = Dense({.units = o.classes})(x);
  x = Activation("softmax")(x);
  return Model(input, x, {.seed = o.seed});
}

TEST(FunctionalMiniVGGNet, ThreeEpochsOfFitGiveTheSequentialModelsWeightsBitForBit) {
  const ZooOptions o{.height = 24, .width = 24, .classes = 5, .seed = 21};
  Model functional = functional_minivggnet(o);
  Sequential sequential = minivggnet(o);
  ASSERT_FALSE(functional.is_sequential());
  ASSERT_EQ(functional.weight_names(), sequential.weight_names());
  Rng rng(4);
  const int64_t n = 40;
  Tensor x({n, o.height, o.width, 3}), y({n, o.classes});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(0, 1));
  for (int64_t i = 0; i < n; ++i) y.at({i, static_cast<int64_t>(rng.below(o.classes))}) = 1;
  std::vector<std::vector<Tensor>> weights;
  for (Model* m : {static_cast<Model*>(&functional), static_cast<Model*>(&sequential)}) {
    m->compile(SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
    const std::vector<Tensor> initial = m->get_weights();
    m->fit(x, y, {.batch_size = 16, .epochs = 3, .verbose = 0});
    weights.push_back(m->get_weights());
    EXPECT_NE(std::memcmp(initial[0].data(), weights.back()[0].data(), initial[0].size() * sizeof(float)), 0);
  }
  for (size_t i = 0; i < weights[0].size(); ++i) {
    ASSERT_EQ(weights[0][i].shape(), weights[1][i].shape());
    EXPECT_EQ(std::memcmp(weights[0][i].data(), weights[1][i].data(), weights[0][i].size() * sizeof(float)), 0)
        << functional.weight_names()[i];
  }
}

}  // namespace
}  // namespace petal
