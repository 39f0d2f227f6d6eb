// expect_same_training: losses per step, then every weight.
#include "testing/side_by_side.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "model/graph_plan.h"
#include "model/model_impl.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"
#include "testing/parity.h"

namespace petal::testing {

double expect_same_training(Model& a, Model& b, const Tensor& x, const Tensor& y, int steps, double tol) {
  for (int step = 0; step < steps; ++step) {
    const double la = a.train_on_batch(x, y).at("loss"), lb = b.train_on_batch(x, y).at("loss");
    EXPECT_NEAR(la, lb, tol * std::abs(lb)) << "step " << step;
  }
  const std::vector<Tensor> wa = a.get_weights(), wb = b.get_weights();
  const std::vector<std::string> names = a.weight_names();
  EXPECT_EQ(wa.size(), wb.size());
  double largest = 0;
  for (size_t i = 0; i < std::min(wa.size(), wb.size()); ++i) {
    const double e = rel_error(wa[i], wb[i]);
    EXPECT_LT(e, tol) << names[i];
    largest = std::max(largest, e);
  }
  return largest;
}

namespace {

size_t planned_training_nodes(Model& model, int64_t batch) {
  Model::Impl& m = model.impl();
  return detail::GraphPlan(m.nodes, m.output_nodes, batch, detail::Phase::Train, m.engine).planned_nodes();
}

}  // namespace

void expect_fusion_trains_alike(Model& fused, Model& unfused, const Shape& input_shape, int64_t classes,
                                size_t fewer_nodes, uint64_t seed, double tol) {
  constexpr int64_t batch = 4;
  EXPECT_EQ(planned_training_nodes(unfused, batch) - planned_training_nodes(fused, batch), fewer_nodes);
  unfused.set_weights(fused.get_weights());
  for (Model* m : {&fused, &unfused}) m->compile(SGD({.learning_rate = 0.1, .momentum = 0.9}), "categorical_crossentropy");
  Shape shape{batch};
  shape.insert(shape.end(), input_shape.begin(), input_shape.end());
  Tensor x = uniform_tensor(shape, seed);
  for (int64_t i = 0; i < x.size(); ++i) x[i] *= 8.0f;
  Tensor y({batch, classes});
  for (int64_t i = 0; i < batch; ++i) y.at({i, i % classes}) = 1.0f;
  expect_same_training(fused, unfused, x, y, 3, tol);
}

}  // namespace petal::testing
