// Dense: options, shape inference and parameters (the oneDNN plan is in dense_plan.cpp).
#include "petal/layers/dense.h"

#include "layers/config_json.h"
#include "layers/config_rules.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"
#include "petal/layers/activations.h"
#include "petal/layers/initializers.h"

namespace petal {

Dense::Dense(DenseOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  if (options_.units <= 0) {
    throw ConfigError("Dense(name='" + options_.name + "'): expected units > 0; received " +
                      std::to_string(options_.units) + ".");
  }
  if (options_.kernel_l2 < 0) throw ConfigError("Dense(name='" + options_.name + "'): expected kernel_l2 >= 0.");
  activation_from_string(options_.activation);
  initializer_from_string(options_.kernel_initializer);
  initializer_from_string(options_.bias_initializer);
}

Shape Dense::do_build(const Shape& in, Rng& rng) {
  if (in.size() != 1) {
    throw ShapeError(where() + ": expected 1-D input per sample (F), i.e. batches [N, F]; received " +
                     to_keras_string(in) + ".\nHint: add a Flatten() or GlobalAveragePooling2D() layer before it.");
  }
  add_param("kernel", initialize(initializer_from_string(options_.kernel_initializer), {in[0], options_.units}, rng),
            true, options_.kernel_l2);
  if (options_.use_bias) {
    add_param("bias", initialize(initializer_from_string(options_.bias_initializer), {options_.units}, rng), true);
  }
  return {options_.units};
}

std::string Dense::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["units"] = options_.units;
  j["activation"] = options_.activation;
  j["use_bias"] = options_.use_bias;
  j["kernel_initializer"] = options_.kernel_initializer;
  j["bias_initializer"] = options_.bias_initializer;
  j["kernel_l2"] = options_.kernel_l2;
  return j.dump();
}

std::unique_ptr<Layer> detail::dense_from_config(const nlohmann::json& j) {
  return std::make_unique<Dense>(DenseOptions{j.at("units").get<int64_t>(), j.at("activation").get<std::string>(),
                                              j.at("use_bias").get<bool>(), j.at("kernel_initializer").get<std::string>(),
                                              j.at("bias_initializer").get<std::string>(), j.value("kernel_l2", 0.0f),
                                              input_shape_from_config(j), j.at("name").get<std::string>()});
}

detail::JsonRule detail::dense_config_rule() {
  return config_rule_with({{"units", json_integer(1, kMaxUnits)}, {"activation", activation_rule()},
                            {"use_bias", json_boolean()}, {"kernel_initializer", initializer_rule()},
                            {"bias_initializer", initializer_rule()}, {"kernel_l2", json_number(0, 1e30), false}});
}

std::optional<Shape> detail::dense_walk(const nlohmann::json& j, const Shape& in, double& weights) {
  if (in.empty()) return Shape{};
  const int64_t units = j.at("units").get<int64_t>();
  weights += static_cast<double>(in.back()) * static_cast<double>(units) +
             (j.value("use_bias", true) ? static_cast<double>(units) : 0.0);
  Shape out = in;
  out.back() = units;
  return out;
}

}  // namespace petal
