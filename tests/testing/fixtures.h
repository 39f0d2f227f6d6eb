// Small models and data sets shared by the training-loop tests.
#pragma once

#include <vector>

#include "petal/model/sequential.h"

namespace petal::testing {

struct ToyData {
  Tensor x, y;  // x [n, 4] (class-dependent means), y one-hot [n, 3]
  std::vector<int64_t> labels;
};

ToyData toy_data(int64_t n, uint64_t seed);
// Dense(8, relu) -> Dense(3, softmax), compiled with SGD(0.1) + accuracy.
Sequential toy_model(uint64_t seed);
// A tensor of `shape` with values uniform in [-1, 1), from `seed`.
Tensor uniform_tensor(const Shape& shape, uint64_t seed);

}  // namespace petal::testing
