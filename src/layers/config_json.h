// JSON helpers for layer configs: the fields every layer shares.
#pragma once

#include <nlohmann/json.hpp>

#include "petal/layers/layer.h"

namespace petal::detail {

// {"name": ..., "input_shape": [...]} (input_shape only when declared).
inline nlohmann::json base_config(const Layer& layer) {
  nlohmann::json j;
  j["name"] = layer.name();
  if (!layer.declared_input_shape().empty()) j["input_shape"] = layer.declared_input_shape();
  return j;
}

// The optional "input_shape" key of a config (empty when absent).
inline Shape input_shape_from_config(const nlohmann::json& j) {
  return j.contains("input_shape") ? j["input_shape"].get<Shape>() : Shape{};
}

}  // namespace petal::detail
