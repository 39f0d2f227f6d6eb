// LayerNormalization: options, axes, parameters and config (the plan is in
// nn/layer_norm_plan.cpp).
#include "petal/layers/layer_normalization.h"

#include "layers/config_fields.h"
#include "layers/config_json.h"
#include "layers/keras_axes.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

LayerNormalization::LayerNormalization(LayerNormalizationOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = "LayerNormalization(name='" + options_.name + "')";
  if (options_.axis.empty()) throw ConfigError(w + ": expected at least one axis; received axis=[].");
  if (!(options_.epsilon > 0.0f)) {
    throw ConfigError(w + ": expected epsilon > 0; received " + std::to_string(options_.epsilon) + ".");
  }
}

Shape LayerNormalization::do_build(const Shape& in, Rng&) {
  if (in.empty() || in.size() > 3) fail("input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C))", to_keras_string(in));
  const std::string got = "axis=" + detail::axes_string(options_.axis) + " for input " + to_keras_string(in);
  axes_.clear();
  for (int a : options_.axis) {
    const auto r = detail::resolve_axis(a, in.size());
    if (!r || *r == 0) fail("axes in 1.." + std::to_string(in.size()) + " (or negative from the end)", got);
    if (!axes_.empty() && *r <= axes_.back()) {
      fail("distinct axes in increasing order. Hint: list them sorted, e.g. [1, 2]", got);
    }
    axes_.push_back(*r);
  }
  Shape param;
  for (int a : axes_) param.push_back(in[static_cast<size_t>(a - 1)]);
  if (options_.scale) add_param("gamma", Tensor(param, 1.0f), true);
  if (options_.center) add_param("beta", Tensor(param, 0.0f), true);
  return in;
}

std::string LayerNormalization::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["axis"] = options_.axis;
  j["epsilon"] = options_.epsilon;
  j["center"] = options_.center;
  j["scale"] = options_.scale;
  return j.dump();
}

std::unique_ptr<Layer> detail::layer_normalization_from_config(const nlohmann::json& j) {
  LayerNormalizationOptions o{.input_shape = config_input_shape(j), .name = config_name(j)};
  if (j.contains("axis")) o.axis = j["axis"].is_array() ? j["axis"].get<std::vector<int>>() : std::vector<int>{j["axis"].get<int>()};
  o.epsilon = config_or(j, "epsilon", 1e-3f);
  o.center = config_or(j, "center", true);
  o.scale = config_or(j, "scale", true);
  return std::make_unique<LayerNormalization>(o);
}

}  // namespace petal
