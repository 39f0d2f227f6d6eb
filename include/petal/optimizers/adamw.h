// AdamW: Adam with weight decay decoupled from the gradient (Loshchilov &
// Hutter), as Keras 3's AdamW: w -= lr_t * weight_decay * w, then the Adam step.
#pragma once

#include "petal/optimizers/adam.h"
#include "petal/optimizers/optimizer.h"

namespace petal {

struct AdamWOptions {
  double learning_rate = 0.001;
  double weight_decay = 0.004;  // Keras 3's default
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  double decay = 0.0;  // Keras 2 learning-rate decay per batch
  bool amsgrad = false;
  // By default only weights of rank >= 2 (kernels) decay; biases and the 1-D
  // weights of normalization layers (gamma, beta) do not. true: every weight.
  bool decay_all_weights = false;
};

class AdamW : public Optimizer {
 public:
  explicit AdamW(AdamWOptions options = {});
  std::string name() const override { return "AdamW"; }
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<AdamW>(*this); }
  std::string config_json() const override;
  std::vector<std::string> slot_names() const override;
  const AdamWOptions& options() const { return options_; }

 protected:
  void update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t t) override;
  double decoupled_weight_decay(const Param& param) const override;

 private:
  AdamWOptions options_;
  AdamOptions adam_;  // the Adam part of options_
};

}  // namespace petal
