// Optimizer base: decay schedule, slots, iteration count, config round trip.
#include "petal/optimizers/optimizer.h"

#include <nlohmann/json.hpp>

#include "petal/core/error.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/adamw.h"
#include "petal/optimizers/rmsprop.h"
#include "petal/optimizers/sgd.h"
#include "petal/optimizers/sgdw.h"

namespace petal {

Optimizer::Optimizer(double learning_rate, double decay) : learning_rate_(learning_rate), decay_(decay) {
  if (!(learning_rate >= 0)) {
    throw ConfigError("optimizer: expected learning_rate >= 0; received " + std::to_string(learning_rate) + ".");
  }
  if (!(decay >= 0)) throw ConfigError("optimizer: expected decay >= 0; received " + std::to_string(decay) + ".");
}

void Optimizer::set_learning_rate(double lr) {
  if (!(lr >= 0)) throw ConfigError("set_learning_rate: expected lr >= 0; received " + std::to_string(lr) + ".");
  learning_rate_ = lr;
}

double Optimizer::effective_learning_rate() const {
  return learning_rate_ / (1.0 + decay_ * static_cast<double>(iterations_));
}

std::vector<Tensor>& Optimizer::slots(const Param& param) {
  auto [it, inserted] = slots_.try_emplace(&param);
  if (inserted) {
    for (size_t i = 0; i < slot_names().size(); ++i) it->second.emplace_back(param.value.shape());
  }
  return it->second;
}

void Optimizer::apply(std::span<Param* const> params) {
  const double lr_t = effective_learning_rate();
  for (Param* p : params) {
    if (!p->trainable) continue;
    auto& s = slots(*p);
    if (const double wd = decoupled_weight_decay(*p); wd != 0.0) {
      const auto shrink = static_cast<float>(lr_t * wd);
      float* w = p->value.data();
      const int64_t n = p->value.size();
#pragma omp parallel for simd schedule(static)
      for (int64_t i = 0; i < n; ++i) w[i] -= shrink * w[i];
    }
    update(p->value.data(), p->grad.data(), s, p->value.size(), lr_t, iterations_ + 1);
  }
  ++iterations_;
}

std::string Optimizer::base_config_json() const {
  nlohmann::json j;
  j["learning_rate"] = learning_rate_;
  j["decay"] = decay_;
  return j.dump();
}

std::unique_ptr<Optimizer> optimizer_from_config(const std::string& name, const std::string& text) {
  nlohmann::json j;
  double lr = 0, decay = 0;
  try {
    j = nlohmann::json::parse(text);
    lr = j.at("learning_rate").get<double>();
    decay = j.value("decay", 0.0);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("optimizer config for '" + name + "': expected a JSON object with learning_rate; " +
                      "received '" + text + "' (" + e.what() + ").");
  }
  if (name == "SGD") {
    return std::make_unique<SGD>(SGDOptions{lr, j.value("momentum", 0.0), j.value("nesterov", false), decay});
  }
  if (name == "Adam") {
    return std::make_unique<Adam>(AdamOptions{lr, j.value("beta_1", 0.9), j.value("beta_2", 0.999),
                                              j.value("epsilon", 1e-7), decay, j.value("amsgrad", false)});
  }
  if (name == "RMSprop") {
    return std::make_unique<RMSprop>(RMSpropOptions{lr, j.value("rho", 0.9), j.value("epsilon", 1e-7), decay});
  }
  if (name == "Adagrad") return std::make_unique<Adagrad>(AdagradOptions{lr, j.value("epsilon", 1e-7), decay});
  if (name == "AdamW") {
    return std::make_unique<AdamW>(AdamWOptions{lr, j.value("weight_decay", 0.004), j.value("beta_1", 0.9),
                                                j.value("beta_2", 0.999), j.value("epsilon", 1e-7), decay,
                                                j.value("amsgrad", false), j.value("decay_all_weights", false)});
  }
  if (name == "SGDW") {
    return std::make_unique<SGDW>(SGDWOptions{lr, j.value("weight_decay", 1e-4), j.value("momentum", 0.0),
                                              j.value("nesterov", false), decay, j.value("decay_all_weights", false)});
  }
  throw ConfigError("unknown optimizer '" + name + "'; expected one of SGD, Adam, RMSprop, Adagrad, AdamW, SGDW.");
}

}  // namespace petal
