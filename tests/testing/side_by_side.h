// Two compiled models trained side by side on the same batch (one plan against
// another of the same graph: fused against unfused, Winograd against direct).
#pragma once

#include "petal/model/model.h"

namespace petal::testing {

// `steps` train_on_batch calls on each model with (x, y); expects their losses
// within `tol` relative and then every weight within `tol` (rel_error).
// Returns the largest weight difference found.
double expect_same_training(Model& a, Model& b, const Tensor& x, const Tensor& y, int steps, double tol);

// The fused and unfused forms of one graph (batch 4, `classes` outputs with a
// softmax): expects the fused training plan to run `fewer_nodes` fewer plans,
// then `unfused` takes fused's weights, both compile SGD (0.1, momentum 0.9)
// with categorical cross-entropy, and expect_same_training runs 3 steps on
// inputs of `input_shape` spread over [-8, 8] (every relu6 clips at both ends),
// row i labelled i % classes.
void expect_fusion_trains_alike(Model& fused, Model& unfused, const Shape& input_shape, int64_t classes,
                                size_t fewer_nodes, uint64_t seed, double tol);

}  // namespace petal::testing
