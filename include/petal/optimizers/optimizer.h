// Optimizer base with Keras 2 semantics: learning-rate decay
// lr_t = lr / (1 + decay * iterations), iterations counted in batches, and
// per-parameter state ("slots") that model files save and restore.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "petal/core/tensor.h"
#include "petal/layers/layer.h"

namespace petal {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;  // "SGD", "Adam", ...
  virtual std::unique_ptr<Optimizer> clone() const = 0;
  virtual std::string config_json() const = 0;
  // Names of the per-parameter state tensors, e.g. {"momentum"} for SGD.
  virtual std::vector<std::string> slot_names() const = 0;

  // One update of every trainable parameter from its gradient; then iterations += 1.
  // An optimizer with decoupled weight decay (AdamW, SGDW) first shrinks each
  // parameter it decays: w -= lr_t * weight_decay * w.
  void apply(std::span<Param* const> params);

  double learning_rate() const { return learning_rate_; }
  void set_learning_rate(double lr);
  double decay() const { return decay_; }
  // The rate the next update uses: lr / (1 + decay * iterations).
  double effective_learning_rate() const;
  int64_t iterations() const { return iterations_; }
  void set_iterations(int64_t iterations) { iterations_ = iterations; }

  // The state tensors of a parameter (created, zero-filled, on first use).
  std::vector<Tensor>& slots(const Param& param);
  bool has_slots(const Param& param) const { return slots_.count(&param) > 0; }
  // Drops all state (e.g. before loading weights into a fresh run).
  void reset_slots() { slots_.clear(); }

 protected:
  Optimizer(double learning_rate, double decay);
  // p, g and every slot hold n floats; t = iterations + 1 (Adam's step count).
  virtual void update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t t) = 0;
  // The decoupled weight decay factor for `param` (0: none, the default).
  virtual double decoupled_weight_decay(const Param& /*param*/) const { return 0.0; }
  std::string base_config_json() const;

 private:
  double learning_rate_;
  double decay_;
  int64_t iterations_ = 0;
  std::unordered_map<const Param*, std::vector<Tensor>> slots_;
};

// Builds an optimizer from its config_json() (for model files).
std::unique_ptr<Optimizer> optimizer_from_config(const std::string& name, const std::string& config_json);

}  // namespace petal
