// Stochastic gradient descent with momentum and Nesterov, as Keras 2:
// v = momentum * v - lr_t * g; p += v (Nesterov: p += momentum * v - lr_t * g).
#pragma once

#include "petal/optimizers/optimizer.h"

namespace petal {

struct SGDOptions {
  double learning_rate = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double decay = 0.0;
};

class SGD : public Optimizer {
 public:
  explicit SGD(SGDOptions options = {});
  std::string name() const override { return "SGD"; }
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<SGD>(*this); }
  std::string config_json() const override;
  std::vector<std::string> slot_names() const override;
  const SGDOptions& options() const { return options_; }

 protected:
  void update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t t) override;

 private:
  SGDOptions options_;
};

}  // namespace petal
