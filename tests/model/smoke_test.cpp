#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"

namespace petal {
TEST(Smoke, MiniVGGNetTrains) {
  Sequential model = minivggnet({});
  std::cout << model.summary();
  model.compile(SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  Rng rng(1);
  Tensor x({32, 64, 64, 3});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform());
  Tensor y({32, 17});
  for (int i = 0; i < 32; ++i) y.at({i, i % 17}) = 1;
  for (int it = 0; it < 12; ++it) {
    auto t0 = std::chrono::steady_clock::now();
    Logs l = model.train_on_batch(x, y);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "step " << it << " loss " << l.at("loss") << " acc " << l.at("accuracy") << " " << ms << " ms\n";
  }
}
}  // namespace petal
