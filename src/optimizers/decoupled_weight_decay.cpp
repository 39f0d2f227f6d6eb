// AdamW and SGDW: the Adam and SGD rules after a decoupled weight-decay step
// (Optimizer::apply applies decoupled_weight_decay before update).
#include <cmath>
#include <nlohmann/json.hpp>

#include "optimizers/update_rules.h"
#include "petal/core/error.h"
#include "petal/optimizers/adamw.h"
#include "petal/optimizers/sgdw.h"

namespace petal {

namespace {

void check_weight_decay(const char* who, double wd) {
  if (!(wd >= 0.0) || !std::isfinite(wd)) {
    throw ConfigError(std::string(who) + ": expected weight_decay >= 0; received " + std::to_string(wd) + ".");
  }
}

// Kernels decay; biases and normalization scales/offsets (rank <= 1) only when asked.
double decay_for(const Param& p, double wd, bool all) {
  if (all || p.keras_shape.size() >= 2) return wd;
  return 0.0;
}

}  // namespace

AdamW::AdamW(AdamWOptions o)
    : Optimizer(o.learning_rate, o.decay), options_(o),
      adam_{o.learning_rate, o.beta_1, o.beta_2, o.epsilon, o.decay, o.amsgrad} {
  check_weight_decay("AdamW", o.weight_decay);
  if (!(o.beta_1 >= 0 && o.beta_1 < 1 && o.beta_2 >= 0 && o.beta_2 < 1)) {
    throw ConfigError("AdamW: expected beta_1 and beta_2 in [0, 1).");
  }
}

std::vector<std::string> AdamW::slot_names() const {
  if (options_.amsgrad) return {"m", "v", "vhat"};
  return {"m", "v"};
}

std::string AdamW::config_json() const {
  auto j = nlohmann::json::parse(base_config_json());
  j["weight_decay"] = options_.weight_decay;
  j["beta_1"] = options_.beta_1;
  j["beta_2"] = options_.beta_2;
  j["epsilon"] = options_.epsilon;
  j["amsgrad"] = options_.amsgrad;
  j["decay_all_weights"] = options_.decay_all_weights;
  return j.dump();
}

void AdamW::update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t t) {
  detail::adam_update(p, g, slots, n, lr_t, t, adam_);
}

double AdamW::decoupled_weight_decay(const Param& p) const {
  return decay_for(p, options_.weight_decay, options_.decay_all_weights);
}

SGDW::SGDW(SGDWOptions o) : Optimizer(o.learning_rate, o.decay), options_(o) {
  check_weight_decay("SGDW", o.weight_decay);
  if (!(o.momentum >= 0)) throw ConfigError("SGDW: expected momentum >= 0; received " + std::to_string(o.momentum) + ".");
}

std::vector<std::string> SGDW::slot_names() const {
  if (options_.momentum == 0) return {};
  return {"momentum"};
}

std::string SGDW::config_json() const {
  auto j = nlohmann::json::parse(base_config_json());
  j["weight_decay"] = options_.weight_decay;
  j["momentum"] = options_.momentum;
  j["nesterov"] = options_.nesterov;
  j["decay_all_weights"] = options_.decay_all_weights;
  return j.dump();
}

void SGDW::update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t) {
  detail::sgd_update(p, g, slots, n, lr_t, options_.momentum, options_.nesterov);
}

double SGDW::decoupled_weight_decay(const Param& p) const {
  return decay_for(p, options_.weight_decay, options_.decay_all_weights);
}

}  // namespace petal
