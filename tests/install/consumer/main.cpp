// Builds MiniVGGNet from the installed library and runs one training step; then
// a functional model with a layer defined here, outside the library, from the
// installed headers only (tests/layers/custom_scale_layer.h), trained a few steps.
#include <petal/layers/core_layers.h>
#include <petal/layers/dense.h>
#include <petal/model/sequential.h>
#include <petal/models/zoo.h>
#include <petal/optimizers/sgd.h>

#include <cmath>
#include <iostream>

#include "custom_scale_layer.h"

int main() {
  petal::Sequential model = petal::minivggnet({.height = 16, .width = 16, .classes = 3});
  model.compile(petal::SGD({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  petal::Tensor x({4, 16, 16, 3}, 0.5f), y({4, 3});
  for (int i = 0; i < 4; ++i) y.at({i, i % 3}) = 1.0f;
  const petal::Logs logs = model.train_on_batch(x, y);
  std::cout << "params " << model.count_params() << " loss " << logs.at("loss") << "\n";

  auto in = petal::Input({3});
  petal::Model custom(in, petal::Dense({.units = 1})(custom::ScaleShift()(in)), {.seed = 1});
  custom.compile(petal::SGD({.learning_rate = 0.1}), "mse");
  petal::Tensor cx({8, 3}), cy({8, 1});
  for (int i = 0; i < 8; ++i) cx.at({i, i % 3}) = 1.0f, cy.at({i, 0}) = static_cast<float>(i % 3);
  const double first = custom.train_on_batch(cx, cy).at("loss");
  double last = first;
  for (int step = 0; step < 50; ++step) last = custom.train_on_batch(cx, cy).at("loss");
  std::cout << "custom layer: loss " << first << " -> " << last << "\n";
  return std::isfinite(logs.at("loss")) && last < 0.5 * first ? 0 : 1;
}
