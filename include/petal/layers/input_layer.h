// InputLayer: the layer behind Input(), a model input of a given shape.
#pragma once

#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct InputLayerOptions {
  Shape shape = {};  // per sample, without batch
  std::string name = {};
};

class InputLayer : public Layer {
 public:
  explicit InputLayer(InputLayerOptions options);
  std::string type() const override { return "InputLayer"; }
  std::string name_prefix() const override { return "input"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<InputLayer>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const Shape& shape() const { return shape_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  Shape shape_;
};

}  // namespace petal
