// SGD and Adam update loops (Keras 2.2.4 formulas, float arithmetic).
#include "optimizers/update_rules.h"

#include <algorithm>
#include <cmath>

namespace petal::detail {

void sgd_update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, double momentum,
                bool nesterov) {
  const auto lr = static_cast<float>(lr_t);
  const auto m = static_cast<float>(momentum);
  if (slots.empty()) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
    return;
  }
  float* v = slots[0].data();
  if (nesterov) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      v[i] = m * v[i] - lr * g[i];
      p[i] += m * v[i] - lr * g[i];
    }
  } else {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      v[i] = m * v[i] - lr * g[i];
      p[i] += v[i];
    }
  }
}

void adam_update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr, int64_t t,
                 const AdamOptions& o) {
  const double td = static_cast<double>(t);
  const auto lr_t = static_cast<float>(lr * std::sqrt(1 - std::pow(o.beta_2, td)) / (1 - std::pow(o.beta_1, td)));
  const auto b1 = static_cast<float>(o.beta_1), b2 = static_cast<float>(o.beta_2);
  const auto eps = static_cast<float>(o.epsilon);
  float* m = slots[0].data();
  float* v = slots[1].data();
  float* vhat = o.amsgrad ? slots[2].data() : nullptr;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    float denom = v[i];
    if (vhat) denom = vhat[i] = std::max(vhat[i], v[i]);
    p[i] -= lr_t * m[i] / (std::sqrt(denom) + eps);
  }
}

}  // namespace petal::detail
