// SGDW: SGD (momentum, Nesterov) with decoupled weight decay (Loshchilov &
// Hutter): w -= lr_t * weight_decay * w, then the Keras 2 SGD step.
#pragma once

#include "petal/optimizers/optimizer.h"

namespace petal {

struct SGDWOptions {
  double learning_rate = 0.01;
  double weight_decay = 1e-4;
  double momentum = 0.0;
  bool nesterov = false;
  double decay = 0.0;  // Keras 2 learning-rate decay per batch
  // As AdamWOptions::decay_all_weights: by default kernels (rank >= 2) only.
  bool decay_all_weights = false;
};

class SGDW : public Optimizer {
 public:
  explicit SGDW(SGDWOptions options = {});
  std::string name() const override { return "SGDW"; }
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<SGDW>(*this); }
  std::string config_json() const override;
  std::vector<std::string> slot_names() const override;
  const SGDWOptions& options() const { return options_; }

 protected:
  void update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t t) override;
  double decoupled_weight_decay(const Param& param) const override;

 private:
  SGDWOptions options_;
};

}  // namespace petal
