// DepthwiseConv2D: options, shape inference, parameters and model-file config
// (the oneDNN plan, a grouped convolution, is in conv2d_plan.cpp).
#include "petal/layers/depthwise_conv2d.h"

#include <nlohmann/json.hpp>

#include "layers/config_json.h"
#include "layers/conv_common.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"
#include "petal/layers/initializers.h"

namespace petal {

DepthwiseConv2D::DepthwiseConv2D(DepthwiseConv2DOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = where();
  detail::require_positive(w, "kernel_size", options_.kernel_size);
  detail::require_positive(w, "strides", options_.strides);
  detail::require_positive(w, "dilation_rate", options_.dilation_rate);
  detail::require_unit_strides_if_dilated(w, options_.strides, options_.dilation_rate);
  detail::require_channels_last(w, options_.data_format);
  if (options_.depth_multiplier <= 0) {
    throw ConfigError(w + ": expected depth_multiplier > 0; received " + std::to_string(options_.depth_multiplier) +
                      ".");
  }
  detail::require_known_names(w, options_.activation, {options_.depthwise_initializer, options_.bias_initializer});
}

std::array<int64_t, 4> DepthwiseConv2D::pads() const {
  return detail::pads_of(detail::conv_geometry(input_shape(), options_.kernel_size, options_.strides,
                                               options_.dilation_rate, options_.padding));
}

Shape DepthwiseConv2D::do_build(const Shape& in, Rng& rng) {
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
  const int64_t out_channels = in[2] * options_.depth_multiplier;
  const Shape kshape{options_.kernel_size[0], options_.kernel_size[1], in[2], options_.depth_multiplier};
  add_param("depthwise_kernel", initialize(initializer_from_string(options_.depthwise_initializer), kshape, rng),
            true);
  if (options_.use_bias) {
    add_param("bias", initialize(initializer_from_string(options_.bias_initializer), {out_channels}, rng), true);
  }
  return {g.h.out, g.w.out, out_channels};
}

std::string DepthwiseConv2D::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["kernel_size"] = options_.kernel_size;
  j["strides"] = options_.strides;
  j["padding"] = to_string(options_.padding);
  j["depth_multiplier"] = options_.depth_multiplier;
  j["data_format"] = options_.data_format;
  j["dilation_rate"] = options_.dilation_rate;
  j["activation"] = options_.activation;
  j["use_bias"] = options_.use_bias;
  j["depthwise_initializer"] = options_.depthwise_initializer;
  j["bias_initializer"] = options_.bias_initializer;
  return j.dump();
}

std::unique_ptr<Layer> detail::depthwise_conv2d_from_config(const nlohmann::json& j) {
  DepthwiseConv2DOptions o;
  o.kernel_size = j.at("kernel_size").get<Pair>();
  o.strides = j.value("strides", o.strides);
  o.padding = padding_from_string(j.value("padding", std::string("valid")));
  o.depth_multiplier = j.value("depth_multiplier", o.depth_multiplier);
  o.data_format = j.value("data_format", o.data_format);
  o.dilation_rate = j.value("dilation_rate", o.dilation_rate);
  o.activation = j.value("activation", o.activation);
  o.use_bias = j.value("use_bias", o.use_bias);
  o.depthwise_initializer = j.value("depthwise_initializer", o.depthwise_initializer);
  o.bias_initializer = j.value("bias_initializer", o.bias_initializer);
  o.input_shape = input_shape_from_config(j);
  o.name = j.at("name").get<std::string>();
  return std::make_unique<DepthwiseConv2D>(std::move(o));
}

}  // namespace petal
