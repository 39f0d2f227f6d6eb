// The update rules of SGD, Adam, RMSprop and Adagrad (Keras 2.2.4 formulas).
#include <cmath>

#include <nlohmann/json.hpp>

#include "optimizers/update_rules.h"
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
  detail::sgd_update(p, g, slots, n, lr_t, options_.momentum, options_.nesterov);
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
  detail::adam_update(p, g, slots, n, lr, t, options_);
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
