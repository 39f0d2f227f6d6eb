// Keras's activation layers: ReLU (max_value, negative_slope, threshold),
// LeakyReLU, PReLU (a learned slope per element, shared_axes), ELU, Softmax(axis).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "petal/layers/layer.h"

namespace petal {

struct ReLUOptions {
  std::optional<float> max_value = std::nullopt;  // ReLU6 is ReLU({.max_value = 6})
  float negative_slope = 0.0f;
  float threshold = 0.0f;
  Shape input_shape = {};
  std::string name = {};
};

// f(x) = min(x, max_value) for x > threshold, negative_slope * (x - threshold)
// otherwise (Keras's backend.relu); max_value, negative_slope, threshold >= 0.
class ReLU : public Layer {
 public:
  explicit ReLU(ReLUOptions options = {});
  std::string type() const override { return "ReLU"; }
  std::string name_prefix() const override { return "re_lu"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<ReLU>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const ReLUOptions& options() const { return options_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  ReLUOptions options_;
};

struct LeakyReLUOptions {
  float alpha = 0.3f;  // Keras 2's LeakyReLU default (the leaky_relu activation name uses 0.2)
  Shape input_shape = {};
  std::string name = {};
};

// f(x) = x for x >= 0, alpha * x otherwise.
class LeakyReLU : public Layer {
 public:
  explicit LeakyReLU(LeakyReLUOptions options = {});
  std::string type() const override { return "LeakyReLU"; }
  std::string name_prefix() const override { return "leaky_re_lu"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<LeakyReLU>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  float alpha() const { return options_.alpha; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  LeakyReLUOptions options_;
};

struct ELUOptions {
  float alpha = 1.0f;
  Shape input_shape = {};
  std::string name = {};
};

// f(x) = x for x > 0, alpha * (exp(x) - 1) otherwise.
class ELU : public Layer {
 public:
  explicit ELU(ELUOptions options = {});
  std::string type() const override { return "ELU"; }
  std::string name_prefix() const override { return "elu"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<ELU>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  float alpha() const { return options_.alpha; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  ELUOptions options_;
};

struct SoftmaxOptions {
  int axis = -1;  // Keras axis: 1..rank (or negative from the end); not the batch axis
  Shape input_shape = {};
  std::string name = {};
};

// Softmax over one axis (a list of axes, which Keras also accepts, is not supported).
class Softmax : public Layer {
 public:
  explicit Softmax(SoftmaxOptions options = {});
  std::string type() const override { return "Softmax"; }
  std::string name_prefix() const override { return "softmax"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Softmax>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  int axis() const { return options_.axis; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  SoftmaxOptions options_;
  int resolved_axis_ = 0;  // with batch, after build
};

struct PReLUOptions {
  std::string alpha_initializer = "zeros";
  // 1-based per-sample axes along which alpha is shared (Keras: [1, 2] shares
  // one slope per channel over H and W).
  std::vector<int> shared_axes = {};
  Shape input_shape = {};
  std::string name = {};
};

// f(x) = x for x >= 0, alpha * x otherwise, alpha learned: weight "alpha" of the
// input's per-sample shape with the shared axes set to 1.
class PReLU : public Layer {
 public:
  explicit PReLU(PReLUOptions options = {});
  std::string type() const override { return "PReLU"; }
  std::string name_prefix() const override { return "p_re_lu"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<PReLU>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const PReLUOptions& options() const { return options_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  PReLUOptions options_;
};

}  // namespace petal
