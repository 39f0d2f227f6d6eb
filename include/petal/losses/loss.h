// Losses with Keras 2 semantics: per-sample values, Keras's weighting rule
// mean(loss * w) / mean(w != 0), and gradients (fused with a final softmax or
// sigmoid when the model ends in one).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "petal/core/tensor.h"

namespace petal {

enum class Loss { CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy, MeanSquaredError };

Loss loss_from_string(std::string_view name);

std::string to_string(Loss loss);

// A loss by Keras name with its options, as Keras's loss objects take them
// (CategoricalCrossentropy(label_smoothing=0.1)). label_smoothing replaces the
// targets y by y * (1 - ls) + ls / K for the categorical losses (K classes; sparse
// targets are one-hot first) and by y * (1 - ls) + ls / 2 for binary
// cross-entropy, in training and evaluation alike; mean squared error takes none.
//   compile(opt, "categorical_crossentropy")                        a name
//   compile(opt, LossSpec("categorical_crossentropy", 0.1))          with options
//   compile(opt, {"mse", "binary_crossentropy"})                     one per output
// (A class with constructors rather than a plain string or aggregate, so that a
// braced list of names always means one loss per output.)
class LossSpec {
 public:
  LossSpec(const char* loss_name) : name(loss_name) {}          // NOLINT: implicit, as Keras's strings
  LossSpec(std::string loss_name) : name(std::move(loss_name)) {}  // NOLINT
  LossSpec(std::string loss_name, double smoothing) : name(std::move(loss_name)), label_smoothing(smoothing) {}
  std::string name;
  double label_smoothing = 0.0;
};
// The loss of `spec`; ConfigError for an unknown name, label_smoothing outside
// [0, 1], or label smoothing on a loss without targets to smooth.
Loss resolve_loss(const LossSpec& spec);

// Keras's clipping epsilon for cross-entropies (K.epsilon()).
inline constexpr double kLossEpsilon = 1e-7;

// Per-sample loss [N] of predictions y_pred [N, ..., K] against y_true (same shape,
// or class indices [N] / [N, 1] for the sparse loss). Cross-entropies clip
// probabilities to [1e-7, 1 - 1e-7]; categorical cross-entropy first divides each
// row by its sum, as Keras does. Losses over several positions average them.
// label_smoothing as LossSpec says (0: the targets as given).
Tensor per_sample_loss(Loss loss, const Tensor& y_true, const Tensor& y_pred, double label_smoothing = 0.0);

// Throws ShapeError when y_true cannot be a target for predictions of y_pred_shape.
void check_targets(Loss loss, const Tensor& y_true, const Shape& y_pred_shape);

// What the gradient is taken with respect to.
enum class GradWrt {
  Output,            // d loss / d y_pred
  SoftmaxLogits,     // d loss / d z where y_pred = softmax(z) (cross-entropies)
  SigmoidLogits,     // d loss / d z where y_pred = sigmoid(z) (binary cross-entropy)
};

// Whether `wrt` is a valid fused gradient for `loss`.
bool supports(Loss loss, GradWrt wrt);

// Weighted batch loss, Keras's rule: sum_i(l_i * w_i) / count(w_i != 0), with
// w = 1 when `weights` is empty. When `grad` is non-empty it receives the
// gradient (same element count as y_pred) with respect to `wrt`. The fused
// logit gradients are exact (p - y) without Keras's clipping, which is what
// keeps training stable when a probability underflows. With label_smoothing the
// loss and gradients are those of the smoothed targets (p - y_smoothed fused).
double weighted_loss(Loss loss, const Tensor& y_true, const float* y_pred, const Shape& y_pred_shape,
                     std::span<const float> weights, std::span<float> grad, GradWrt wrt,
                     double label_smoothing = 0.0);

}  // namespace petal
