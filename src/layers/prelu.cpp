// PReLU: options, the alpha weight's shape (shared axes set to 1) and config
// (the oneDNN plan is in nn/prelu_plan.cpp).
#include <set>

#include "layers/config_fields.h"
#include "layers/config_json.h"
#include "layers/keras_axes.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/initializers.h"

namespace petal {

PReLU::PReLU(PReLUOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = "PReLU(name='" + options_.name + "')";
  initializer_from_string(options_.alpha_initializer);
  std::set<int> seen;
  for (int a : options_.shared_axes) {
    if (a < 1 || !seen.insert(a).second) {
      throw ConfigError(w + ": expected distinct shared_axes counted from 1 (the batch axis cannot be shared); received " +
                        detail::axes_string(options_.shared_axes) + ".");
    }
  }
}

Shape PReLU::do_build(const Shape& in, Rng& rng) {
  if (in.empty() || in.size() > 3) fail("input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C))", to_keras_string(in));
  Shape alpha = in;
  for (int a : options_.shared_axes) {
    if (a > static_cast<int>(in.size())) {
      fail("shared_axes within the input's " + std::to_string(in.size()) + " per-sample axes " + to_keras_string(in),
           "shared_axes=" + detail::axes_string(options_.shared_axes));
    }
    alpha[static_cast<size_t>(a - 1)] = 1;
  }
  add_param("alpha", initialize(initializer_from_string(options_.alpha_initializer), alpha, rng), true);
  return in;
}

std::string PReLU::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["alpha_initializer"] = options_.alpha_initializer;
  j["shared_axes"] = options_.shared_axes.empty() ? nlohmann::json(nullptr) : nlohmann::json(options_.shared_axes);
  return j.dump();
}

std::unique_ptr<Layer> detail::prelu_from_config(const nlohmann::json& j) {
  return std::make_unique<PReLU>(PReLUOptions{config_or<std::string>(j, "alpha_initializer", "zeros"),
                                              config_or(j, "shared_axes", std::vector<int>{}), config_input_shape(j),
                                              config_name(j)});
}

}  // namespace petal
