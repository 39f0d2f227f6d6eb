// Adam (optionally AMSGrad) as Keras 2: lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t),
// p -= lr_t * m / (sqrt(v) + epsilon).
#pragma once

#include "petal/optimizers/optimizer.h"

namespace petal {

struct AdamOptions {
  double learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  double decay = 0.0;
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});
  std::string name() const override { return "Adam"; }
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<Adam>(*this); }
  std::string config_json() const override;
  std::vector<std::string> slot_names() const override;
  const AdamOptions& options() const { return options_; }

 protected:
  void update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t t) override;

 private:
  AdamOptions options_;
};

}  // namespace petal
