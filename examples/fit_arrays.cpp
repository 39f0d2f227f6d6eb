// The first way to train: the whole data set in RAM, model.fit(x, y).
// Usage: example_fit_arrays [--tiny]
#include <petal/callbacks/early_stopping.h>
#include <petal/layers/batch_normalization.h>
#include <petal/layers/conv2d.h>
#include <petal/layers/core_layers.h>
#include <petal/layers/dense.h>
#include <petal/layers/pooling.h>
#include <petal/model/sequential.h>
#include <petal/optimizers/adam.h>

#include <cstring>
#include <iostream>

#include "synthetic.h"

int main(int argc, char** argv) {
  const bool tiny = argc > 1 && std::strcmp(argv[1], "--tiny") == 0;
  const int64_t size = 16, classes = 4, n = tiny ? 256 : 2048;
  petal::Tensor x, y;
  make_blobs(n, size, classes, /*seed=*/1, x, y);

  petal::Sequential model({.seed = 42, .input_shape = {size, size, 3}});
  model.add(petal::Conv2D({.filters = 8, .padding = petal::Padding::Same, .activation = "relu"}));
  // momentum 0.9: with few steps per epoch the default 0.99 leaves the moving
  // statistics (used at validation) far behind the batch statistics.
  model.add(petal::BatchNormalization({.momentum = 0.9f}));
  model.add(petal::MaxPooling2D());
  model.add(petal::Flatten());
  model.add(petal::Dense({.units = classes, .activation = "softmax"}));
  model.compile(petal::Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  std::cout << model.summary();

  auto stop = std::make_shared<petal::EarlyStopping>(petal::EarlyStoppingOptions{.monitor = "val_accuracy", .patience = 3});
  const petal::History history = model.fit(x, y, {.batch_size = 32, .epochs = tiny ? 4 : 20, .verbose = tiny ? 2 : 1,
                                                  .callbacks = {stop}, .validation_split = 0.2});
  const double acc = history.at("val_accuracy").back();
  std::cout << "final val_accuracy " << acc << "\n";
  return acc > 0.8 ? 0 : 1;
}
