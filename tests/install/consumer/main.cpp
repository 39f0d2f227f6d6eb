// Builds MiniVGGNet from the installed library and runs one training step.
#include <petal/layers/core_layers.h>
#include <petal/layers/dense.h>
#include <petal/model/sequential.h>
#include <petal/models/zoo.h>
#include <petal/optimizers/sgd.h>

#include <cmath>
#include <iostream>

int main() {
  petal::Sequential model = petal::minivggnet({.height = 16, .width = 16, .classes = 3});
  model.compile(petal::SGD({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  petal::Tensor x({4, 16, 16, 3}, 0.5f), y({4, 3});
  for (int i = 0; i < 4; ++i) y.at({i, i % 3}) = 1.0f;
  const petal::Logs logs = model.train_on_batch(x, y);
  std::cout << "params " << model.count_params() << " loss " << logs.at("loss") << "\n";
  return std::isfinite(logs.at("loss")) ? 0 : 1;
}
