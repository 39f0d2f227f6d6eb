// ReLU, LeakyReLU, ELU and Softmax layers: options, shape checks and configs
// (plans in nn/activation_layer_plans.cpp; PReLU in prelu.cpp).
#include "petal/layers/activation_layers.h"

#include <cmath>

#include "layers/config_fields.h"
#include "layers/config_json.h"
#include "layers/keras_axes.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

namespace {

std::string named(const char* type, const std::string& name) { return std::string(type) + "(name='" + name + "')"; }

// Every rank petal's activations take: (F), (T, C), (H, W, C).
void check_rank(const Layer& layer, const Shape& in) {
  if (in.empty() || in.size() > 3) {
    throw ShapeError(layer.where() + ": expected input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C)); " +
                     "received " + to_keras_string(in) + ".");
  }
}

}  // namespace

ReLU::ReLU(ReLUOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = named("ReLU", options_.name);
  if (options_.max_value && !(*options_.max_value >= 0.0f)) {
    throw ConfigError(w + ": expected max_value >= 0 (it cannot be a negative value); received " +
                      std::to_string(*options_.max_value) + ".");
  }
  if (!(options_.negative_slope >= 0.0f)) {
    throw ConfigError(w + ": expected negative_slope >= 0 (it cannot be a negative value); received " +
                      std::to_string(options_.negative_slope) + ".");
  }
  if (!(options_.threshold >= 0.0f)) {
    throw ConfigError(w + ": expected threshold >= 0 (it cannot be a negative value); received " +
                      std::to_string(options_.threshold) + ".");
  }
}

Shape ReLU::do_build(const Shape& in, Rng&) {
  check_rank(*this, in);
  return in;
}

std::string ReLU::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["max_value"] = options_.max_value ? nlohmann::json(*options_.max_value) : nlohmann::json(nullptr);
  j["negative_slope"] = options_.negative_slope;
  j["threshold"] = options_.threshold;
  return j.dump();
}

std::unique_ptr<Layer> detail::relu_from_config(const nlohmann::json& j) {
  ReLUOptions o{.input_shape = config_input_shape(j), .name = config_name(j)};
  if (j.contains("max_value") && !j["max_value"].is_null()) o.max_value = j["max_value"].get<float>();
  o.negative_slope = config_or(j, "negative_slope", 0.0f);
  o.threshold = config_or(j, "threshold", 0.0f);
  return std::make_unique<ReLU>(o);
}

LeakyReLU::LeakyReLU(LeakyReLUOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  if (!std::isfinite(options_.alpha)) {
    throw ConfigError(named("LeakyReLU", options_.name) + ": expected a finite alpha; received " +
                      std::to_string(options_.alpha) + ".");
  }
}

Shape LeakyReLU::do_build(const Shape& in, Rng&) {
  check_rank(*this, in);
  return in;
}

std::string LeakyReLU::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["alpha"] = options_.alpha;
  return j.dump();
}

std::unique_ptr<Layer> detail::leaky_relu_from_config(const nlohmann::json& j) {
  return std::make_unique<LeakyReLU>(
      LeakyReLUOptions{config_or(j, "alpha", 0.3f), config_input_shape(j), config_name(j)});
}

ELU::ELU(ELUOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  if (!std::isfinite(options_.alpha)) {
    throw ConfigError(named("ELU", options_.name) + ": expected a finite alpha; received " +
                      std::to_string(options_.alpha) + ".");
  }
}

Shape ELU::do_build(const Shape& in, Rng&) {
  check_rank(*this, in);
  return in;
}

std::string ELU::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["alpha"] = options_.alpha;
  return j.dump();
}

std::unique_ptr<Layer> detail::elu_from_config(const nlohmann::json& j) {
  return std::make_unique<ELU>(ELUOptions{config_or(j, "alpha", 1.0f), config_input_shape(j), config_name(j)});
}

Softmax::Softmax(SoftmaxOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {}

Shape Softmax::do_build(const Shape& in, Rng&) {
  check_rank(*this, in);
  const auto a = detail::resolve_axis(options_.axis, in.size());
  if (!a || *a == 0) {
    fail("axis in 1.." + std::to_string(in.size()) + " or -" + std::to_string(in.size()) +
             "..-1 (not the batch axis) for this input " + to_keras_string(in),
         "axis=" + std::to_string(options_.axis));
  }
  resolved_axis_ = *a;
  return in;
}

std::string Softmax::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["axis"] = options_.axis;
  return j.dump();
}

std::unique_ptr<Layer> detail::softmax_from_config(const nlohmann::json& j) {
  return std::make_unique<Softmax>(SoftmaxOptions{config_or(j, "axis", -1), config_input_shape(j), config_name(j)});
}

}  // namespace petal
