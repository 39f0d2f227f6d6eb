// BatchNormalization: options and parameters (the oneDNN plan is in batch_norm_plan.cpp).
#include "petal/layers/batch_normalization.h"

#include "layers/config_json.h"
#include "layers/config_rules.h"
#include "layers/layer_factory.h"
#include "layers/keras_axes.h"
#include "petal/core/error.h"

namespace petal {

BatchNormalization::BatchNormalization(BatchNormalizationOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = "BatchNormalization(name='" + options_.name + "')";
  if (options_.axis == 0) {
    throw ConfigError(w + ": expected a feature axis (1..rank or negative from the end), not the batch axis; "
                      "received axis=0.");
  }
  if (!(options_.momentum >= 0.0f && options_.momentum <= 1.0f)) {
    throw ConfigError(w + ": expected momentum in [0, 1]; received " + std::to_string(options_.momentum) + ".");
  }
  if (!(options_.epsilon > 0.0f)) {
    throw ConfigError(w + ": expected epsilon > 0; received " + std::to_string(options_.epsilon) + ".");
  }
}

Shape BatchNormalization::do_build(const Shape& in, Rng&) {
  if (in.empty() || in.size() > 3) fail("input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C))", to_keras_string(in));
  const auto a = detail::resolve_axis(options_.axis, in.size());
  if (!a || *a == 0) {
    fail("axis in 1.." + std::to_string(in.size()) + " or -" + std::to_string(in.size()) + "..-1 for input " +
             to_keras_string(in),
         "axis=" + std::to_string(options_.axis));
  }
  axis_ = *a;
  const int64_t c = in[static_cast<size_t>(axis_ - 1)];
  if (options_.scale) add_param("gamma", Tensor({c}, 1.0f), true);
  if (options_.center) add_param("beta", Tensor({c}, 0.0f), true);
  add_param("moving_mean", Tensor({c}, 0.0f), false);
  add_param("moving_variance", Tensor({c}, 1.0f), false);
  return in;
}

std::string BatchNormalization::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["axis"] = options_.axis;
  j["momentum"] = options_.momentum;
  j["epsilon"] = options_.epsilon;
  j["center"] = options_.center;
  j["scale"] = options_.scale;
  return j.dump();
}

std::unique_ptr<Layer> detail::batch_normalization_from_config(const nlohmann::json& j) {
  return std::make_unique<BatchNormalization>(BatchNormalizationOptions{
      j.at("axis").get<int>(), j.at("momentum").get<float>(), j.at("epsilon").get<float>(), j.at("center").get<bool>(),
      j.at("scale").get<bool>(), input_shape_from_config(j), j.at("name").get<std::string>()});
}

detail::JsonRule detail::batch_normalization_config_rule() {
  return config_rule_with({{"axis", json_integer(-4, 4)}, {"momentum", json_number(0, 1)},
                            {"epsilon", json_number(1e-30, 1e30)}, {"center", json_boolean()},
                            {"scale", json_boolean()}});
}

// Normalizing the last axis: moving mean and variance, gamma (scale) and beta
// (center) per channel. Other axes are checked when built.
std::optional<Shape> detail::batch_normalization_walk(const nlohmann::json& j, const Shape& in, double& weights) {
  if (in.empty()) return Shape{};
  const int axis = j.at("axis").get<int>();
  if (axis != -1 && axis != static_cast<int>(in.size())) return std::nullopt;
  const double per_channel = 2.0 + (j.at("center").get<bool>() ? 1.0 : 0.0) + (j.at("scale").get<bool>() ? 1.0 : 0.0);
  weights += per_channel * static_cast<double>(in.back());
  return in;
}

}  // namespace petal
