// The elementwise update rules shared by an optimizer and its decoupled
// weight-decay variant (SGD and SGDW, Adam and AdamW).
#pragma once

#include <cstdint>
#include <span>

#include "petal/core/tensor.h"
#include "petal/optimizers/adam.h"

namespace petal::detail {

// Keras 2 SGD: v = momentum * v - lr * g; p += v (Nesterov: p += momentum * v - lr * g).
// slots: {} without momentum, {velocity} with it.
void sgd_update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr, double momentum,
                bool nesterov);

// Keras 2 Adam step t (1-based): lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t),
// p -= lr_t * m / (sqrt(v or vhat) + epsilon). slots: {m, v} or {m, v, vhat}.
void adam_update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr, int64_t t,
                 const AdamOptions& options);

}  // namespace petal::detail
