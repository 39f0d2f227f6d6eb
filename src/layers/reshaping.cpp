// Reshape and Permute: options, Keras's shape rules and errors, configs (plans
// in nn/reshape_plans.cpp).
#include "petal/layers/reshaping.h"

#include <algorithm>

#include "layers/config_fields.h"
#include "layers/config_json.h"
#include "layers/keras_axes.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

Reshape::Reshape(ReshapeOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = "Reshape(name='" + options_.name + "')";
  const auto& t = options_.target_shape;
  if (t.empty() || t.size() > 3) {
    throw ConfigError(w + ": expected a target_shape of rank 1 to 3 (petal's (F), (T, C) and (H, W, C)); received " +
                      to_string(t) + ".");
  }
  if (std::count(t.begin(), t.end(), -1) > 1) {
    throw ConfigError(w + ": there must be at most one unknown dimension (-1) in target_shape; received " +
                      to_string(t) + ".");
  }
  for (int64_t d : t) {
    if (d <= 0 && d != -1) {
      throw ConfigError(w + ": expected positive dimensions (or one -1) in target_shape; received " + to_string(t) + ".");
    }
  }
}

Shape Reshape::do_build(const Shape& in, Rng&) {
  if (in.empty() || in.size() > 3) fail("input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C))", to_keras_string(in));
  Shape out = options_.target_shape;
  const int64_t total = num_elements(in);
  int64_t known = 1;
  for (int64_t d : out) known *= d == -1 ? 1 : d;
  const auto unknown = std::find(out.begin(), out.end(), -1);
  const bool fits = unknown == out.end() ? known == total : total % known == 0;
  if (!fits) {
    fail("a target_shape with as many elements as the input (total size of new array must be unchanged)",
         "input_shape = " + to_keras_string(in) + ", target_shape = " + to_string(options_.target_shape));
  }
  if (unknown != out.end()) *unknown = total / known;
  return out;
}

std::string Reshape::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["target_shape"] = options_.target_shape;
  return j.dump();
}

std::unique_ptr<Layer> detail::reshape_from_config(const nlohmann::json& j) {
  return std::make_unique<Reshape>(
      ReshapeOptions{j.at("target_shape").get<Shape>(), config_input_shape(j), config_name(j)});
}

Permute::Permute(PermuteOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  std::vector<int> sorted = options_.dims;
  std::sort(sorted.begin(), sorted.end());
  bool ok = !sorted.empty();
  for (size_t i = 0; i < sorted.size(); ++i) ok = ok && sorted[i] == static_cast<int>(i + 1);
  if (!ok) {
    throw ConfigError("Permute(name='" + options_.name +
                      "'): invalid permutation argument `dims`: the set of indices must be consecutive and start "
                      "from 1; received dims=" + detail::axes_string(options_.dims) + ".");
  }
}

Shape Permute::do_build(const Shape& in, Rng&) {
  if (in.size() != options_.dims.size() || in.size() > 3) {
    fail("input per sample of rank " + std::to_string(options_.dims.size()) + " (the length of dims " +
             detail::axes_string(options_.dims) + "; at most 3)",
         to_keras_string(in));
  }
  Shape out;
  for (int d : options_.dims) out.push_back(in[static_cast<size_t>(d - 1)]);
  return out;
}

std::string Permute::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["dims"] = options_.dims;
  return j.dump();
}

std::unique_ptr<Layer> detail::permute_from_config(const nlohmann::json& j) {
  return std::make_unique<Permute>(
      PermuteOptions{j.at("dims").get<std::vector<int>>(), config_input_shape(j), config_name(j)});
}

}  // namespace petal
