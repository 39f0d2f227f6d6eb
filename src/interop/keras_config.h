// Keras layer configs ({"class_name": "Conv2D", "config": {...}} as in a model
// file's model_config) to petal layers and back, one table row per layer type.
#pragma once

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <type_traits>

#include "petal/layers/layer.h"

namespace petal::detail {

// One Keras layer config being converted. Getters name the layer and the field
// in every error, and record which keys were read: finish() rejects any key no
// row read, so an option petal lacks is reported, never silently dropped.
// The constructor reads the keys every layer has: name, trainable (must be
// true), dtype (must be float32) and batch_input_shape.
class KerasConfigReader {
 public:
  // `input_shape`: the per-sample input shape when the caller knows it.
  KerasConfigReader(std::string class_name, const nlohmann::json& config, std::optional<Shape> input_shape = {});

  const std::string& name() const { return name_; }
  const std::string& class_name() const { return class_name_; }
  const std::optional<Shape>& input_shape() const { return input_shape_; }
  // batch_input_shape without the batch ({} when absent).
  const Shape& declared_input_shape() const { return declared_input_shape_; }

  bool has(const char* key) const;
  // Required key of type T.
  template <typename T>
  T get(const char* key);
  // Optional key (absent or null gives `fallback`).
  template <typename T>
  T get_or(const char* key, T fallback);
  // An int or a pair of ints ([3, 3] or 3); absent/null gives `fallback` if set.
  std::array<int64_t, 2> pair(const char* key, std::optional<std::array<int64_t, 2>> fallback = std::nullopt);
  Padding padding(const char* key = "padding");
  // A Keras activation name petal has ("linear" when absent).
  std::string activation(const char* key = "activation");
  // A Keras initializer (serialized dict or name) as petal's initializer name.
  std::string initializer(const char* key, const char* fallback);
  // An L1L2 / L2 regularizer as petal's L2 factor (null or absent: 0).
  float l2_regularizer(const char* key);
  // The key is absent, null or equal to one of `allowed` (the first is named in errors).
  void require(const char* key, std::initializer_list<nlohmann::json> allowed);
  void require_null(const char* key);
  // Marks a key as read without using it (options with no effect in petal).
  void ignore(const char* key);
  // Throws ConfigError naming the first key no getter read.
  void finish() const;

  // "<class>(name='<name>'): Keras field '<field>': expected <expected>; received <received>."
  [[noreturn]] void fail(const std::string& field, const std::string& expected, const nlohmann::json& received,
                         const std::string& hint = "") const;
  std::string where() const;

 private:
  const nlohmann::json& at(const char* key);

  std::string class_name_;
  const nlohmann::json& config_;
  std::optional<Shape> input_shape_;
  std::string name_;
  Shape declared_input_shape_;
  std::set<std::string> used_;
};

namespace keras_config_detail {
template <typename T>
const char* expected_type() {
  if constexpr (std::is_same_v<T, bool>) return "true or false";
  else if constexpr (std::is_integral_v<T>) return "an integer";
  else if constexpr (std::is_floating_point_v<T>) return "a number";
  else if constexpr (std::is_same_v<T, std::string>) return "a string";
  else return "a value of another type";
}
}  // namespace keras_config_detail

template <typename T>
T KerasConfigReader::get(const char* key) {
  const nlohmann::json& value = at(key);
  try {
    return value.get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(key, keras_config_detail::expected_type<T>(), value);
  }
}

template <typename T>
T KerasConfigReader::get_or(const char* key, T fallback) {
  if (!has(key) || config_.at(key).is_null()) {
    used_.insert(key);
    return fallback;
  }
  return get<T>(key);
}

// One layer type: how a Keras config becomes a petal layer, and how a petal
// layer writes the config object Keras 2.2.4's get_config() writes (every key,
// without batch_input_shape/dtype, which keras_layer_config adds).
struct KerasLayerConversion {
  const char* keras_class;  // class_name in Keras configs, e.g. "Conv2D"
  const char* petal_type;   // Layer::type() of the petal layer it maps to
  std::unique_ptr<Layer> (*from_keras)(KerasConfigReader& config);
  nlohmann::json (*to_keras)(const Layer& layer);
};

// The table (keras_layers.cpp): add a row there for each new layer type.
std::span<const KerasLayerConversion> keras_layer_conversions();

// A petal layer from a Keras layer config. ConfigError naming the layer and its
// class for classes petal lacks (LSTM, Lambda, ...) and naming the field for
// options petal lacks (channels_first, dilation, activity_regularizer, ...).
std::unique_ptr<Layer> layer_from_keras(const std::string& class_name, const nlohmann::json& config,
                                        const std::optional<Shape>& input_shape = std::nullopt);
// The Keras 2.2.4 config object of a petal layer; with `batch_input_shape`
// (per-sample shape) it also carries batch_input_shape [null, ...] and dtype, as
// the first layer of a Sequential model does. ConfigError for petal options
// Keras 2.2.4 cannot express.
nlohmann::json keras_layer_config(const Layer& layer, const std::optional<Shape>& batch_input_shape = std::nullopt);
// {"class_name": <Keras class>, "config": keras_layer_config(...)}.
nlohmann::json keras_layer_entry(const Layer& layer, const std::optional<Shape>& batch_input_shape = std::nullopt);

// Keras's InputLayer (petal models take the input shape as an option instead).
struct KerasInputLayer {
  std::string name;
  Shape shape;  // per sample, without the batch
};
KerasInputLayer input_layer_from_keras(const nlohmann::json& config);
// Keras 2.2.4's InputLayer config: batch_input_shape, dtype, sparse, name.
nlohmann::json keras_input_layer_config(const std::string& name, const Shape& shape);

}  // namespace petal::detail
