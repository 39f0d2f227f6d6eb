// Shared toy data and models.
#include "testing/fixtures.h"

#include "petal/model/sequential.h"
#include "petal/layers/dense.h"
#include "petal/optimizers/sgd.h"

namespace petal::testing {

ToyData toy_data(int64_t n, uint64_t seed) {
  Rng rng(seed);
  ToyData d{Tensor({n, 4}), Tensor({n, 3}), {}};
  for (int64_t i = 0; i < n; ++i) {
    const auto c = static_cast<int64_t>(rng.below(3));
    d.labels.push_back(c);
    d.y.at({i, c}) = 1;
    for (int64_t j = 0; j < 4; ++j) d.x.at({i, j}) = static_cast<float>(rng.normal() * 0.5 + (j == c ? 1.5 : 0.0));
  }
  return d;
}

Sequential toy_model(uint64_t seed) {
  Sequential m({.seed = seed, .input_shape = {4}});
  m.add(Dense({.units = 8, .activation = "relu"}));
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.1}), "categorical_crossentropy", {"accuracy"});
  return m;
}

Tensor uniform_tensor(const Shape& shape, uint64_t seed) {
  Rng rng(seed);
  Tensor x(shape);
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(-1.0, 1.0));
  return x;
}

}  // namespace petal::testing
