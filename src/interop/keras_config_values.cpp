// Keras initializer and regularizer serialisations, and float options.
#include "interop/keras_config_values.h"

#include <charconv>
#include <cstdlib>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

using nlohmann::json;

struct VarianceScaling {
  const char* petal_name;
  double scale;
  const char* mode;
  const char* distribution;
  const char* tf_class;  // tf.keras's class name for the same initializer
};

// Keras 2.2.4's 'normal' VarianceScaling is the truncated normal petal draws
// (tf.keras names it 'truncated_normal').
constexpr VarianceScaling kVarianceScaling[] = {
    {"glorot_uniform", 1.0, "fan_avg", "uniform", "GlorotUniform"},
    {"glorot_normal", 1.0, "fan_avg", "normal", "GlorotNormal"},
    {"he_normal", 2.0, "fan_in", "normal", "HeNormal"},
    {"he_uniform", 2.0, "fan_in", "uniform", "HeUniform"},
};

std::optional<std::string> from_variance_scaling(const json& config) {
  const double scale = config.value("scale", 1.0);
  const std::string mode = config.value("mode", "fan_in");
  std::string distribution = config.value("distribution", "truncated_normal");
  if (distribution == "truncated_normal") distribution = "normal";
  for (const auto& v : kVarianceScaling) {
    if (scale == v.scale && mode == v.mode && distribution == v.distribution) return v.petal_name;
  }
  return std::nullopt;
}

}  // namespace

json keras_initializer_json(const std::string& petal_name) {
  if (petal_name == "zeros") return {{"class_name", "Zeros"}, {"config", json::object()}};
  if (petal_name == "ones") return {{"class_name", "Ones"}, {"config", json::object()}};
  for (const auto& v : kVarianceScaling) {
    if (petal_name == v.petal_name) {
      return {{"class_name", "VarianceScaling"},
              {"config", {{"scale", v.scale}, {"mode", v.mode}, {"distribution", v.distribution}, {"seed", nullptr}}}};
    }
  }
  throw ConfigError("initializer '" + petal_name + "' has no Keras 2.2.4 serialisation.");
}

std::optional<std::string> petal_initializer(const json& keras, std::string& why) {
  why = keras.dump();
  if (keras.is_string()) {  // Keras 1 style name, e.g. "glorot_uniform"
    const std::string name = keras.get<std::string>();
    for (const auto& v : kVarianceScaling) {
      if (name == v.petal_name) return name;
    }
    if (name == "zeros" || name == "ones") return name;
    return std::nullopt;
  }
  if (!keras.is_object() || !keras.contains("class_name") || !keras["class_name"].is_string()) return std::nullopt;
  const std::string cls = keras["class_name"].get<std::string>();
  const json config = keras.value("config", json::object());
  // The seed only changes a fresh initialisation, which petal draws from the model's seed.
  if (cls == "Zeros" || cls == "zeros") return "zeros";
  if (cls == "Ones" || cls == "ones") return "ones";
  if (cls == "VarianceScaling") return from_variance_scaling(config);
  for (const auto& v : kVarianceScaling) {
    if (cls == v.tf_class) return v.petal_name;
  }
  return std::nullopt;
}

json keras_regularizer_json(float l2) {
  if (l2 == 0.0f) return nullptr;
  return {{"class_name", "L1L2"}, {"config", {{"l1", 0.0}, {"l2", static_cast<double>(l2)}}}};
}

double keras_float(float value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer - 1, value);
  *result.ptr = '\0';
  return std::strtod(buffer, nullptr);
}

}  // namespace petal::detail
