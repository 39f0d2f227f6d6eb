// PyTorch parity checks shared by the parity tests: one training step of a
// model against a reference run (tests/reference/torch_*.py) on the same
// weights: loss, every gradient, the weights after the step (BN moving
// statistics included), and inference-mode loss and outputs afterwards.
#pragma once

#include <functional>
#include <string>

#include "petal/io/npz.h"
#include "petal/model/model.h"

namespace petal::testing {

// ||a - b|| / ||b|| (L2): one number per tensor, not dominated by its
// near-zero entries (gradients of saturated units, cancelling sums).
double rel_error(const Tensor& a, const Tensor& b);

// Writes x, y, the SGD settings and the model's weights (plus `extra`) to
// in.npz, runs `script` on it and returns its output arrays (every key
// prefixed "f64/" and "f32/"). Fails the test (ADD_FAILURE) when the script fails.
NamedArrays run_reference(Model& model, const Tensor& x, const Tensor& y, double lr, double momentum, bool nesterov,
                          const std::string& script, const std::string& dir, NamedArrays extra = {});

// Runs train_on_batch, test_on_batch and predict_on_batch and checks each
// tensor with check(got, name) against the reference names
// (grad/<weight>, after/<weight>, eval_probs); losses within 1e-4 relative.
void check_step(Model& model, const Tensor& x, const Tensor& y, const NamedArrays& reference,
                const std::function<void(const Tensor&, const std::string&)>& check);

// Petal's error must be within max(floor, factor * PyTorch float32's own error)
// for every tensor; returns the check used by check_step.
std::function<void(const Tensor&, const std::string&)> relative_check(const NamedArrays& reference, double floor,
                                                                       double factor, double* worst_petal = nullptr,
                                                                       double* worst_torch = nullptr);

}  // namespace petal::testing
