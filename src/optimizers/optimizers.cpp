// The update rules of SGD, Adam, RMSprop and Adagrad (Keras 2.2.4 formulas).
#include <cmath>

#include <nlohmann/json.hpp>

#include "petal/core/error.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/rmsprop.h"
#include "petal/optimizers/sgd.h"

namespace petal {

SGD::SGD(SGDOptions o) : Optimizer(o.learning_rate, o.decay), options_(o) {
  if (!(o.momentum >= 0)) throw ConfigError("SGD: expected momentum >= 0; received " + std::to_string(o.momentum) + ".");
}

std::vector<std::string> SGD::slot_names() const {
  if (options_.momentum == 0) return {};
  return {"momentum"};
}

std::string SGD::config_json() const {
  auto j = nlohmann::json::parse(base_config_json());
  j["momentum"] = options_.momentum;
  j["nesterov"] = options_.nesterov;
  return j.dump();
}

void SGD::update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t) {
  const auto lr = static_cast<float>(lr_t);
  const auto m = static_cast<float>(options_.momentum);
  if (slots.empty()) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
    return;
  }
  float* v = slots[0].data();
  if (options_.nesterov) {
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

Adam::Adam(AdamOptions o) : Optimizer(o.learning_rate, o.decay), options_(o) {
  if (!(o.beta_1 >= 0 && o.beta_1 < 1 && o.beta_2 >= 0 && o.beta_2 < 1)) {
    throw ConfigError("Adam: expected beta_1 and beta_2 in [0, 1).");
  }
}

std::vector<std::string> Adam::slot_names() const {
  if (options_.amsgrad) return {"m", "v", "vhat"};
  return {"m", "v"};
}

std::string Adam::config_json() const {
  auto j = nlohmann::json::parse(base_config_json());
  j["beta_1"] = options_.beta_1;
  j["beta_2"] = options_.beta_2;
  j["epsilon"] = options_.epsilon;
  j["amsgrad"] = options_.amsgrad;
  return j.dump();
}

void Adam::update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr, int64_t t) {
  const double td = static_cast<double>(t);
  const auto lr_t = static_cast<float>(lr * std::sqrt(1 - std::pow(options_.beta_2, td)) /
                                       (1 - std::pow(options_.beta_1, td)));
  const auto b1 = static_cast<float>(options_.beta_1), b2 = static_cast<float>(options_.beta_2);
  const auto eps = static_cast<float>(options_.epsilon);
  float* m = slots[0].data();
  float* v = slots[1].data();
  float* vhat = options_.amsgrad ? slots[2].data() : nullptr;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    float denom = v[i];
    if (vhat) denom = vhat[i] = std::max(vhat[i], v[i]);
    p[i] -= lr_t * m[i] / (std::sqrt(denom) + eps);
  }
}

RMSprop::RMSprop(RMSpropOptions o) : Optimizer(o.learning_rate, o.decay), options_(o) {
  if (!(o.rho >= 0 && o.rho <= 1)) throw ConfigError("RMSprop: expected rho in [0, 1].");
}

std::string RMSprop::config_json() const {
  auto j = nlohmann::json::parse(base_config_json());
  j["rho"] = options_.rho;
  j["epsilon"] = options_.epsilon;
  return j.dump();
}

void RMSprop::update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t) {
  const auto lr = static_cast<float>(lr_t), rho = static_cast<float>(options_.rho);
  const auto eps = static_cast<float>(options_.epsilon);
  float* a = slots[0].data();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    a[i] = rho * a[i] + (1 - rho) * g[i] * g[i];
    p[i] -= lr * g[i] / (std::sqrt(a[i]) + eps);
  }
}

Adagrad::Adagrad(AdagradOptions o) : Optimizer(o.learning_rate, o.decay), options_(o) {}

std::string Adagrad::config_json() const {
  auto j = nlohmann::json::parse(base_config_json());
  j["epsilon"] = options_.epsilon;
  return j.dump();
}

void Adagrad::update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t) {
  const auto lr = static_cast<float>(lr_t), eps = static_cast<float>(options_.epsilon);
  float* a = slots[0].data();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    a[i] += g[i] * g[i];
    p[i] -= lr * g[i] / (std::sqrt(a[i]) + eps);
  }
}

}  // namespace petal
