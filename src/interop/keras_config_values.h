// Keras 2.2.4's serialised forms of the values layer configs share:
// initializers, regularizers, and float options written as Python floats.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace petal::detail {

// petal initializer name -> Keras 2.2.4's serialisation: glorot_uniform ->
// {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg",
// "distribution": "uniform", "seed": null}}, zeros -> {"class_name": "Zeros", "config": {}}.
nlohmann::json keras_initializer_json(const std::string& petal_name);
// A Keras initializer (2.x dict, tf.keras class names, 2.13's module/registered_name
// keys, or a plain name) -> petal's initializer name; nullopt if petal has none
// (`why` then says what was received).
std::optional<std::string> petal_initializer(const nlohmann::json& keras, std::string& why);

// petal's L2 factor -> {"class_name": "L1L2", "config": {"l1": 0.0, "l2": l2}}, or null for 0.
nlohmann::json keras_regularizer_json(float l2);

// A float option as the Python float the user typed: the shortest decimal that
// reads back as `value` (0.99f -> 0.99, not 0.9900000095367432).
double keras_float(float value);
// A float32 value as Keras writes float(K.get_value(x)) (0.001 -> 0.0010000000474974513).
inline double keras_float32(double value) { return static_cast<double>(static_cast<float>(value)); }

}  // namespace petal::detail
