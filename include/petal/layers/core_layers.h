// Shape and regularisation layers without weights: Flatten, Dropout, Activation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "petal/layers/activations.h"
#include "petal/layers/layer.h"

namespace petal {

struct FlattenOptions {
  Shape input_shape = {};
  std::string name = {};
};

// [N, H, W, C] -> [N, H*W*C] in NHWC element order, as Keras, so Dense weights
// that follow are interchangeable with Keras's.
class Flatten : public Layer {
 public:
  explicit Flatten(FlattenOptions options = {});
  std::string type() const override { return "Flatten"; }
  std::string name_prefix() const override { return "flatten"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Flatten>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;
};

struct DropoutOptions {
  float rate = 0.5f;
  // Mask seed; unset = derived from the model's seed and the layer's position.
  std::optional<uint64_t> seed = std::nullopt;
  Shape input_shape = {};
  std::string name = {};
};

// Inverted dropout: while training, zero each value with probability `rate` and
// scale the rest by 1 / (1 - rate); identity at inference. Masks are a pure
// function of (seed, training step, element index), so runs are reproducible.
class Dropout : public Layer {
 public:
  explicit Dropout(DropoutOptions options);
  explicit Dropout(float rate) : Dropout(DropoutOptions{.rate = rate}) {}
  std::string type() const override { return "Dropout"; }
  std::string name_prefix() const override { return "dropout"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Dropout>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  float rate() const { return options_.rate; }
  uint64_t mask_seed() const { return mask_seed_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  DropoutOptions options_;
  uint64_t mask_seed_ = 0;
};

struct ActivationOptions {
  std::string activation = "linear";
  Shape input_shape = {};
  std::string name = {};
};

class Activation : public Layer {
 public:
  explicit Activation(ActivationOptions options);
  explicit Activation(std::string activation) : Activation(ActivationOptions{.activation = std::move(activation)}) {}
  std::string type() const override { return "Activation"; }
  std::string name_prefix() const override { return "activation"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Activation>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  ActivationFn fn() const { return fn_; }
  const std::string& activation() const { return options_.activation; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  ActivationOptions options_;
  ActivationFn fn_;
};

}  // namespace petal
