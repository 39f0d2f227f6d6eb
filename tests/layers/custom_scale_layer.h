// A layer written as a user outside the library would write it, with only
// installed headers: y = alpha * x + beta, alpha and beta learnable scalars
// (ScaleShift). Used by custom_layer_test.cpp and, copied verbatim, by the
// install consumer (tests/install/consumer), which builds against the installed tree.
#pragma once

#include <petal/core/rng.h>
#include <petal/layers/layer.h>
#include <petal/layers/plain_plan.h>

#include <memory>
#include <string>

namespace custom {

class ScaleShift : public petal::Layer {
 public:
  ScaleShift() : petal::Layer("", {}) {}
  std::string type() const override { return "ScaleShift"; }
  std::string name_prefix() const override { return "scale_shift"; }
  std::string config_json() const override { return "{\"name\": \"" + name() + "\"}"; }
  std::shared_ptr<petal::Layer> into_shared() && override { return std::make_shared<ScaleShift>(std::move(*this)); }

  std::unique_ptr<petal::PlainPlan> make_plain_plan(int64_t, bool) override {
    return std::make_unique<Plan>(*params()[0], *params()[1]);
  }

 protected:
  petal::Shape do_build(const petal::Shape& input_shape, petal::Rng& rng) override {
    add_param("alpha", petal::Tensor({1}, static_cast<float>(rng.uniform(0.5, 1.5))), true);
    add_param("beta", petal::Tensor({1}, 0.0f), true);
    return input_shape;
  }

 private:
  class Plan final : public petal::PlainPlan {
   public:
    Plan(petal::Param& alpha, petal::Param& beta) : alpha_(alpha), beta_(beta) {}
    void forward(std::span<const petal::ConstPlainTensor> in, const petal::PlainTensor& out,
                 const petal::PlainStep&) override {
      const float a = alpha_.value[0], b = beta_.value[0];
      for (int64_t i = 0; i < out.size(); ++i) out.data[i] = a * in[0].data[i] + b;
    }
    void backward(std::span<const petal::ConstPlainTensor> in, const petal::ConstPlainTensor&,
                  const petal::ConstPlainTensor& dy, std::span<const petal::PlainTensor> dx,
                  const petal::PlainStep& step) override {
      double da = 0, db = 0;
      for (int64_t i = 0; i < dy.size(); ++i) da += static_cast<double>(dy.data[i]) * in[0].data[i], db += dy.data[i];
      if (!step.accumulate_grads) alpha_.grad[0] = 0, beta_.grad[0] = 0;
      alpha_.grad[0] += static_cast<float>(da);
      beta_.grad[0] += static_cast<float>(db);
      if (dx[0].data == nullptr) return;
      for (int64_t i = 0; i < dy.size(); ++i) dx[0].data[i] = alpha_.value[0] * dy.data[i];
    }

   private:
    petal::Param &alpha_, &beta_;
  };
};

}  // namespace custom
