// Rescaling: preprocessing inside the model, y = x * scale + offset (Keras's
// Rescaling, e.g. scale = 1/255 for raw pixels); no weights.
#pragma once

#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct RescalingOptions {
  float scale = 1.0f;
  float offset = 0.0f;
  Shape input_shape = {};
  std::string name = {};
};

class Rescaling : public Layer {
 public:
  explicit Rescaling(RescalingOptions options);
  std::string type() const override { return "Rescaling"; }
  std::string name_prefix() const override { return "rescaling"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Rescaling>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const RescalingOptions& options() const { return options_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  RescalingOptions options_;
};

}  // namespace petal
