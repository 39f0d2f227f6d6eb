// Flatten, Dropout and Activation: options and shape inference.
#include "petal/layers/core_layers.h"

#include "layers/config_json.h"
#include "layers/config_rules.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

Flatten::Flatten(FlattenOptions options) : Layer(options.name, options.input_shape) {}

Shape Flatten::do_build(const Shape& in, Rng&) {
  if (in.empty() || in.size() > 3) fail("input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C))", to_keras_string(in));
  return {num_elements(in)};
}

std::string Flatten::config_json() const { return detail::base_config(*this).dump(); }

Dropout::Dropout(DropoutOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  if (!(options_.rate >= 0.0f && options_.rate < 1.0f)) {
    throw ConfigError("Dropout(name='" + options_.name + "'): expected rate in [0, 1); received " +
                      std::to_string(options_.rate) + ".");
  }
}

Shape Dropout::do_build(const Shape& in, Rng& rng) {
  if (in.empty() || in.size() > 3) fail("input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C))", to_keras_string(in));
  mask_seed_ = options_.seed ? *options_.seed : rng.next_u64();
  return in;
}

std::string Dropout::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["rate"] = options_.rate;
  if (options_.seed) j["seed"] = *options_.seed;
  return j.dump();
}

Activation::Activation(ActivationOptions options)
    : Layer(options.name, options.input_shape),
      options_(std::move(options)),
      fn_(activation_from_string(options_.activation)) {}

Shape Activation::do_build(const Shape& in, Rng&) {
  if (in.empty() || in.size() > 3) fail("input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C))", to_keras_string(in));
  return in;
}

std::string Activation::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["activation"] = options_.activation;
  return j.dump();
}

std::unique_ptr<Layer> detail::flatten_from_config(const nlohmann::json& j) {
  return std::make_unique<Flatten>(FlattenOptions{input_shape_from_config(j), j.at("name").get<std::string>()});
}

std::unique_ptr<Layer> detail::dropout_from_config(const nlohmann::json& j) {
  DropoutOptions o{j.at("rate").get<float>(), std::nullopt, input_shape_from_config(j), j.at("name").get<std::string>()};
  if (j.contains("seed")) o.seed = j.at("seed").get<uint64_t>();
  return std::make_unique<Dropout>(o);
}

std::unique_ptr<Layer> detail::activation_from_config(const nlohmann::json& j) {
  return std::make_unique<Activation>(ActivationOptions{j.at("activation").get<std::string>(), input_shape_from_config(j),
                                                        j.at("name").get<std::string>()});
}

detail::JsonRule detail::dropout_config_rule() {
  return config_rule_with({{"rate", json_number(0, 1, true)}, {"seed", json_integer(0, kMaxU64), false}});
}

detail::JsonRule detail::activation_config_rule() { return config_rule_with({{"activation", activation_rule()}}); }

std::optional<Shape> detail::flatten_walk(const nlohmann::json&, const Shape& in, double&) {
  if (in.size() != 1 && in.size() != 3) return Shape{};
  return Shape{static_cast<int64_t>(std::min(shape_elements(in), 9e18))};
}

std::optional<Shape> detail::same_shape_walk(const nlohmann::json&, const Shape& in, double&) { return in; }

}  // namespace petal
