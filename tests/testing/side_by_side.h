// Two compiled models trained side by side on the same batch (one plan against
// another of the same graph: fused against unfused, Winograd against direct).
#pragma once

#include "petal/model/model.h"

namespace petal::testing {

// `steps` train_on_batch calls on each model with (x, y); expects their losses
// within `tol` relative and then every weight within `tol` (rel_error).
// Returns the largest weight difference found.
double expect_same_training(Model& a, Model& b, const Tensor& x, const Tensor& y, int steps, double tol);

}  // namespace petal::testing
