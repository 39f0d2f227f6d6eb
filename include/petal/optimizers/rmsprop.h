// RMSprop and Adagrad as Keras 2 (accumulators start at zero; epsilon outside sqrt).
#pragma once

#include "petal/optimizers/optimizer.h"

namespace petal {

struct RMSpropOptions {
  double learning_rate = 0.001;
  double rho = 0.9;
  double epsilon = 1e-7;
  double decay = 0.0;
};

// a = rho * a + (1 - rho) * g^2; p -= lr_t * g / (sqrt(a) + epsilon)
class RMSprop : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions options = {});
  std::string name() const override { return "RMSprop"; }
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<RMSprop>(*this); }
  std::string config_json() const override;
  std::vector<std::string> slot_names() const override { return {"accumulator"}; }

 protected:
  void update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t t) override;

 private:
  RMSpropOptions options_;
};

struct AdagradOptions {
  double learning_rate = 0.01;
  double epsilon = 1e-7;
  double decay = 0.0;
};

// a += g^2; p -= lr_t * g / (sqrt(a) + epsilon)
class Adagrad : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});
  std::string name() const override { return "Adagrad"; }
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<Adagrad>(*this); }
  std::string config_json() const override;
  std::vector<std::string> slot_names() const override { return {"accumulator"}; }

 protected:
  void update(float* p, const float* g, std::span<Tensor> slots, int64_t n, double lr_t, int64_t t) override;

 private:
  AdagradOptions options_;
};

}  // namespace petal
