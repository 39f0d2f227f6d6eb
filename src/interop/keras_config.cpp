// Keras layer configs: the field reader every table row uses, and the dispatch
// from Keras class names / petal layer types to the rows (keras_layers.cpp).
#include "interop/keras_config.h"

#include "interop/keras_config_values.h"
#include "petal/core/error.h"
#include "petal/layers/activations.h"

namespace petal::detail {

using nlohmann::json;

namespace {

std::string string_or(const json& config, const char* key, const std::string& fallback) {
  return config.is_object() && config.contains(key) && config[key].is_string() ? config[key].get<std::string>()
                                                                                 : fallback;
}

// A per-sample shape from Keras's batch_input_shape [null, 32, 32, 3].
Shape without_batch(const KerasConfigReader& r, const json& batch_input_shape) {
  if (!batch_input_shape.is_array() || batch_input_shape.empty()) r.fail("batch_input_shape", "[null, ...]", batch_input_shape);
  Shape shape;
  for (size_t i = 1; i < batch_input_shape.size(); ++i) {
    if (!batch_input_shape[i].is_number_integer() || batch_input_shape[i].get<int64_t>() <= 0) {
      r.fail("batch_input_shape", "known positive sizes after the batch", batch_input_shape,
             "petal builds models for a fixed input shape.");
    }
    shape.push_back(batch_input_shape[i].get<int64_t>());
  }
  return shape;
}

}  // namespace

KerasConfigReader::KerasConfigReader(std::string class_name, const json& config, std::optional<Shape> input_shape)
    : class_name_(std::move(class_name)), config_(config), input_shape_(std::move(input_shape)) {
  name_ = string_or(config, "name", "");
  if (!config_.is_object()) fail("config", "a JSON object", config_);
  name_ = get_or<std::string>("name", "");
  if (!get_or<bool>("trainable", true)) {
    fail("trainable", "true", false, "petal trains every layer; frozen layers are not supported.");
  }
  // Keras 2.13 writes a dtype policy; older versions the dtype name.
  if (has("dtype") && !config_["dtype"].is_null()) {
    const json& d = config_["dtype"];
    const std::string dtype = d.is_object() ? string_or(d.value("config", json::object()), "name", "?")
                                            : (d.is_string() ? d.get<std::string>() : d.dump());
    if (dtype != "float32") fail("dtype", "\"float32\"", d, "petal computes in float32.");
  }
  used_.insert("dtype");
  if (has("batch_input_shape") && !config_["batch_input_shape"].is_null()) {
    declared_input_shape_ = without_batch(*this, config_["batch_input_shape"]);
  }
  used_.insert("batch_input_shape");
}

std::string KerasConfigReader::where() const {
  return name_.empty() ? class_name_ : class_name_ + "(name='" + name_ + "')";
}

void KerasConfigReader::fail(const std::string& field, const std::string& expected, const json& received,
                             const std::string& hint) const {
  std::string message = where() + ": Keras field '" + field + "': expected " + expected + "; received " +
                        received.dump() + ".";
  if (!hint.empty()) message += " Hint: " + hint;
  throw ConfigError(message);
}

bool KerasConfigReader::has(const char* key) const { return config_.contains(key); }

const json& KerasConfigReader::at(const char* key) {
  used_.insert(key);
  if (!has(key)) fail(key, "a value", "nothing");
  return config_.at(key);
}

std::array<int64_t, 2> KerasConfigReader::pair(const char* key, std::optional<std::array<int64_t, 2>> fallback) {
  if (fallback && (!has(key) || config_.at(key).is_null())) {
    used_.insert(key);
    return *fallback;
  }
  const json& v = at(key);
  if (v.is_number_integer()) return {v.get<int64_t>(), v.get<int64_t>()};
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
    return {v[0].get<int64_t>(), v[1].get<int64_t>()};
  }
  fail(key, "an integer or a pair of integers", v);
}

Padding KerasConfigReader::padding(const char* key) {
  const std::string p = get_or<std::string>(key, "valid");
  if (p == "valid") return Padding::Valid;
  if (p == "same") return Padding::Same;
  fail(key, "\"valid\" or \"same\"", p);
}

std::string KerasConfigReader::activation(const char* key) {
  const json& v = has(key) ? at(key) : json("linear");
  used_.insert(key);
  if (v.is_null()) return "linear";
  if (!v.is_string()) fail(key, "an activation name", v);
  try {
    activation_from_string(v.get<std::string>());
  } catch (const ConfigError&) {
    fail(key, "one of linear, relu, softmax, sigmoid, tanh, elu", v);
  }
  return v.get<std::string>();
}

std::string KerasConfigReader::initializer(const char* key, const char* fallback) {
  if (!has(key) || config_.at(key).is_null()) {
    used_.insert(key);
    return fallback;
  }
  std::string why;
  if (auto name = petal_initializer(at(key), why)) return *name;
  fail(key, "one of petal's initializers (glorot_uniform, glorot_normal, he_normal, he_uniform, zeros, ones)",
       config_.at(key));
}

float KerasConfigReader::l2_regularizer(const char* key) {
  if (!has(key) || config_.at(key).is_null()) {
    used_.insert(key);
    return 0.0f;
  }
  const json& v = at(key);
  const std::string cls = v.is_object() ? v.value("class_name", "") : "";
  const json config = v.is_object() ? v.value("config", json::object()) : json::object();
  if (cls != "L1L2" && cls != "L2" && cls != "L1") fail(key, "null or an L1L2 / L2 regularizer", v);
  if (config.value("l1", 0.0) != 0.0) fail(key, "l1 = 0 (petal has L2 penalties only)", v);
  return static_cast<float>(config.value("l2", 0.0));
}

void KerasConfigReader::require(const char* key, std::initializer_list<json> allowed) {
  used_.insert(key);
  if (!has(key) || config_.at(key).is_null()) return;
  for (const json& a : allowed) {
    if (config_.at(key) == a) return;
  }
  fail(key, allowed.begin()->dump(), config_.at(key));
}

void KerasConfigReader::require_null(const char* key) {
  used_.insert(key);
  if (has(key) && !config_.at(key).is_null()) fail(key, "null", config_.at(key), "petal has no such option.");
}

void KerasConfigReader::ignore(const char* key) { used_.insert(key); }

void KerasConfigReader::finish() const {
  for (const auto& [key, value] : config_.items()) {
    if (!used_.count(key)) fail(key, "no such option (petal does not support it)", value);
  }
}

std::unique_ptr<Layer> layer_from_keras(const std::string& class_name, const json& config,
                                        const std::optional<Shape>& input_shape) {
  for (const auto& row : keras_layer_conversions()) {
    if (class_name != row.keras_class) continue;
    KerasConfigReader reader(class_name, config, input_shape);
    auto layer = row.from_keras(reader);
    reader.finish();
    return layer;
  }
  std::string supported;
  for (const auto& row : keras_layer_conversions()) supported += std::string(supported.empty() ? "" : ", ") + row.keras_class;
  throw ConfigError("Keras layer '" + string_or(config, "name", "?") + "' has class " + class_name +
                    ", which petal does not support; supported classes: InputLayer, " + supported + ".");
}

json keras_layer_config(const Layer& layer, const std::optional<Shape>& batch_input_shape) {
  for (const auto& row : keras_layer_conversions()) {
    if (layer.type() != row.petal_type) continue;
    json config = row.to_keras(layer);
    if (batch_input_shape) {
      json shape = json::array({nullptr});
      for (const int64_t d : *batch_input_shape) shape.push_back(d);
      config["batch_input_shape"] = shape;
      config["dtype"] = "float32";
    }
    return config;
  }
  throw ConfigError(layer.where() + ": no Keras conversion for petal layer type " + layer.type() +
                    ". Hint: add a row to keras_layer_conversions() in src/interop/keras_layers.cpp.");
}

json keras_layer_entry(const Layer& layer, const std::optional<Shape>& batch_input_shape) {
  for (const auto& row : keras_layer_conversions()) {
    if (layer.type() == row.petal_type) {
      return {{"class_name", row.keras_class}, {"config", keras_layer_config(layer, batch_input_shape)}};
    }
  }
  return {{"class_name", layer.type()}, {"config", keras_layer_config(layer, batch_input_shape)}};
}

KerasInputLayer input_layer_from_keras(const json& config) {
  KerasConfigReader r("InputLayer", config);
  r.require("sparse", {false});
  r.require("ragged", {false});
  if (r.declared_input_shape().empty()) r.fail("batch_input_shape", "[null, ...] with the input shape", nullptr);
  r.finish();
  return {r.name(), r.declared_input_shape()};
}

json keras_input_layer_config(const std::string& name, const Shape& shape) {
  json batch = json::array({nullptr});
  for (const int64_t d : shape) batch.push_back(d);
  return {{"batch_input_shape", batch}, {"dtype", "float32"}, {"sparse", false}, {"name", name}};
}

}  // namespace petal::detail
