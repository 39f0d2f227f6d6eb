// InputLayer: a model input; built for its own shape, computes nothing.
#include "petal/layers/input_layer.h"

#include <nlohmann/json.hpp>

#include "layers/config_json.h"
#include "layers/layer_factory.h"
#include "nn/layer_plan.h"
#include "petal/core/error.h"

namespace petal {

InputLayer::InputLayer(InputLayerOptions options) : Layer(options.name, options.shape), shape_(options.shape) {
  if (shape_.empty()) throw ConfigError("Input: expected a per-sample shape, e.g. Input({64, 64, 3}); received [].");
  for (int64_t d : shape_) {
    if (d <= 0) throw ConfigError("Input: expected positive dimensions; received " + to_keras_string(shape_) + ".");
  }
}

Shape InputLayer::do_build(const Shape& input_shape, Rng&) {
  if (input_shape != shape_) fail("input shape " + to_keras_string(shape_), to_keras_string(input_shape));
  return shape_;
}

std::string InputLayer::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["shape"] = shape_;
  return j.dump();
}

std::unique_ptr<detail::LayerPlan> InputLayer::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<detail::IdentityPlan>(ctx.src_md);
}

std::unique_ptr<Layer> detail::input_layer_from_config(const nlohmann::json& j) {
  return std::make_unique<InputLayer>(InputLayerOptions{j.at("shape").get<Shape>(), j.at("name").get<std::string>()});
}

}  // namespace petal
