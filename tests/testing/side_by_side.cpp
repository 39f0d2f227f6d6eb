// expect_same_training: losses per step, then every weight.
#include "testing/side_by_side.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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

}  // namespace petal::testing
