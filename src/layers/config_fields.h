// Reading layer configs back from model files: the fields every layer shares
// and optional keys with defaults.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "petal/core/shape.h"

namespace petal::detail {

inline std::string config_name(const nlohmann::json& j) { return j.at("name").get<std::string>(); }

inline Shape config_input_shape(const nlohmann::json& j) {
  return j.contains("input_shape") ? j["input_shape"].get<Shape>() : Shape{};
}

template <typename T>
T config_or(const nlohmann::json& j, const char* key, T fallback) {
  return j.contains(key) && !j[key].is_null() ? j[key].get<T>() : fallback;
}

}  // namespace petal::detail
