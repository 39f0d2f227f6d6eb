// Conv2D: options, shape inference, parameters and its model-file config (the
// oneDNN plan is in conv2d_plan.cpp).
#include "petal/layers/conv2d.h"

#include <nlohmann/json.hpp>

#include "layers/config_json.h"
#include "layers/config_rules.h"
#include "layers/conv_common.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"
#include "petal/layers/initializers.h"

namespace petal {

AxisGeometry axis_geometry(int64_t in, int64_t kernel, int64_t stride, Padding padding) {
  if (padding == Padding::Valid) return {in >= kernel ? (in - kernel) / stride + 1 : 0, 0, 0};
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + kernel - in, 0);
  return {out, total / 2, total - total / 2};
}

Conv2D::Conv2D(Conv2DOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = where();
  if (options_.filters <= 0) {
    throw ConfigError(w + ": expected filters > 0; received " + std::to_string(options_.filters) + ".");
  }
  for (int i = 0; i < 2; ++i) {
    if (options_.kernel_size[i] <= 0 || options_.strides[i] <= 0) {
      throw ConfigError(w + ": expected positive kernel_size and strides; received kernel_size " +
                        detail::pair_string(options_.kernel_size) + ", strides " +
                        detail::pair_string(options_.strides) + ".");
    }
  }
  detail::require_positive(w, "dilation_rate", options_.dilation_rate);
  detail::require_unit_strides_if_dilated(w, options_.strides, options_.dilation_rate);
  detail::require_channels_last(w, options_.data_format);
  if (options_.groups <= 0 || options_.filters % options_.groups != 0) {
    throw ConfigError(w + ": expected filters divisible by groups (groups > 0); received filters=" +
                      std::to_string(options_.filters) + ", groups=" + std::to_string(options_.groups) + ".");
  }
  if (options_.kernel_l2 < 0) throw ConfigError(w + ": expected kernel_l2 >= 0.");
  detail::require_known_names(w, options_.activation, {options_.kernel_initializer, options_.bias_initializer});
}

std::array<int64_t, 4> Conv2D::pads() const {
  return detail::pads_of(detail::conv_geometry(input_shape(), options_.kernel_size, options_.strides,
                                               options_.dilation_rate, options_.padding));
}

Shape Conv2D::do_build(const Shape& in, Rng& rng) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  const auto g = detail::conv_geometry(in, options_.kernel_size, options_.strides, options_.dilation_rate,
                                       options_.padding);
  if (g.h.out <= 0 || g.w.out <= 0) {
    fail("input at least as large as the (dilated) kernel " +
             detail::pair_string({dilated_extent(options_.kernel_size[0], options_.dilation_rate[0]),
                                  dilated_extent(options_.kernel_size[1], options_.dilation_rate[1])}) +
             " with padding='valid'",
         to_keras_string(in));
  }
  if (in[2] % options_.groups != 0) {
    fail("input channels divisible by groups=" + std::to_string(options_.groups), to_keras_string(in));
  }
  const Shape kshape{options_.kernel_size[0], options_.kernel_size[1], in[2] / options_.groups, options_.filters};
  add_param("kernel", initialize(initializer_from_string(options_.kernel_initializer), kshape, rng), true,
            options_.kernel_l2);
  if (options_.use_bias) {
    add_param("bias", initialize(initializer_from_string(options_.bias_initializer), {options_.filters}, rng), true);
  }
  return {g.h.out, g.w.out, options_.filters};
}

std::string Conv2D::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["filters"] = options_.filters;
  j["kernel_size"] = options_.kernel_size;
  j["strides"] = options_.strides;
  j["padding"] = to_string(options_.padding);
  j["data_format"] = options_.data_format;
  j["dilation_rate"] = options_.dilation_rate;
  j["groups"] = options_.groups;
  j["activation"] = options_.activation;
  j["use_bias"] = options_.use_bias;
  j["kernel_initializer"] = options_.kernel_initializer;
  j["bias_initializer"] = options_.bias_initializer;
  j["kernel_l2"] = options_.kernel_l2;
  return j.dump();
}

// Files written before dilation_rate, groups and data_format existed load with their defaults.
std::unique_ptr<Layer> detail::conv2d_from_config(const nlohmann::json& j) {
  Conv2DOptions o;
  o.filters = j.at("filters").get<int64_t>();
  o.kernel_size = j.at("kernel_size").get<Pair>();
  o.strides = j.at("strides").get<Pair>();
  o.padding = padding_from_string(j.at("padding").get<std::string>());
  o.data_format = j.value("data_format", o.data_format);
  o.dilation_rate = j.value("dilation_rate", o.dilation_rate);
  o.groups = j.value("groups", o.groups);
  o.activation = j.at("activation").get<std::string>();
  o.use_bias = j.at("use_bias").get<bool>();
  o.kernel_initializer = j.at("kernel_initializer").get<std::string>();
  o.bias_initializer = j.at("bias_initializer").get<std::string>();
  o.kernel_l2 = j.value("kernel_l2", 0.0f);
  o.input_shape = input_shape_from_config(j);
  o.name = j.at("name").get<std::string>();
  return std::make_unique<Conv2D>(std::move(o));
}

detail::JsonRule detail::conv2d_config_rule() {
  return config_rule_with({{"filters", json_integer(1, kMaxUnits)}, {"kernel_size", window_pair_rule(1)},
                            {"strides", window_pair_rule(1)}, {"padding", padding_rule()},
                            {"activation", activation_rule()}, {"use_bias", json_boolean()},
                            {"kernel_initializer", initializer_rule()}, {"bias_initializer", initializer_rule()},
                            {"kernel_l2", json_number(0, 1e30), false}});
}

// Plain convolutions only: dilated and grouped ones are checked when built.
std::optional<Shape> detail::conv2d_walk(const nlohmann::json& j, const Shape& in, double& weights) {
  if ((j.contains("groups") && j.at("groups") != nlohmann::json(1)) ||
      (j.contains("dilation_rate") && j.at("dilation_rate") != nlohmann::json::array({1, 1}))) {
    return std::nullopt;
  }
  if (in.size() != 3) return Shape{};
  const auto k = j.at("kernel_size").get<Pair>();
  const auto s = pair_or(j, "strides", {1, 1});
  const Padding p = padding_from_string(j.value("padding", std::string("valid")));
  const int64_t c = j.at("filters").get<int64_t>();
  weights += static_cast<double>(k[0] * k[1]) * static_cast<double>(in[2]) * static_cast<double>(c) +
             (j.value("use_bias", true) ? static_cast<double>(c) : 0.0);
  return Shape{axis_geometry(in[0], k[0], s[0], p).out, axis_geometry(in[1], k[1], s[1], p).out, c};
}

}  // namespace petal
