// Keras table rows of the convolution family and the spatial layers:
// DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, UpSampling2D,
// ZeroPadding2D, Cropping2D and GlobalMaxPooling2D, with Keras 2.2.4's keys.
#include "interop/keras_config_values.h"
#include "interop/keras_layer_rows.h"
#include "petal/core/error.h"
#include "petal/layers/conv2d_transpose.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/layers/separable_conv2d.h"
#include "petal/layers/up_sampling2d.h"

namespace petal::detail {

using nlohmann::json;

namespace {

// The keys Conv2D and its relatives share (Keras's _Conv.get_config), read.
template <typename Options>
void read_conv_common(KerasConfigReader& r, Options& o) {
  o.name = r.name();
  o.kernel_size = r.pair("kernel_size");
  o.strides = r.pair("strides", {{1, 1}});
  o.padding = r.padding();
  require_channels_last(r);
  o.dilation_rate = r.pair("dilation_rate", {{1, 1}});
  o.activation = r.activation();
  o.use_bias = r.get_or<bool>("use_bias", true);
  o.bias_initializer = r.initializer("bias_initializer", "zeros");
  for (const char* key : {"bias_regularizer", "activity_regularizer", "bias_constraint"}) r.require_null(key);
  o.input_shape = r.declared_input_shape();
}

template <typename Options>
json conv_common_to_keras(const Layer& layer, const Options& o) {
  json j = keras_base_config(layer);
  j["kernel_size"] = pair_json(o.kernel_size);
  j["strides"] = pair_json(o.strides);
  j["padding"] = to_string(o.padding);
  j["data_format"] = "channels_last";
  j["dilation_rate"] = pair_json(o.dilation_rate);
  j["activation"] = keras_activation(layer, o.activation);
  j["use_bias"] = o.use_bias;
  j["bias_initializer"] = keras_initializer_json(o.bias_initializer);
  for (const char* key : {"bias_regularizer", "activity_regularizer", "bias_constraint"}) j[key] = nullptr;
  return j;
}

// Keras's padding/cropping forms: an int, a pair (rows, columns) or ((top, bottom), (left, right)).
Sides2D sides(KerasConfigReader& r, const char* key) {
  const json v = r.get<json>(key);
  if (v.is_number_integer()) return Sides2D(v.get<int64_t>());
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
    return Sides2D(v[0].get<int64_t>(), v[1].get<int64_t>());
  }
  if (v.is_array() && v.size() == 2 && v[0].is_array() && v[1].is_array() && v[0].size() == 2 && v[1].size() == 2) {
    try {
      return Sides2D(v[0].get<std::array<int64_t, 2>>(), v[1].get<std::array<int64_t, 2>>());
    } catch (const json::exception&) {
    }
  }
  r.fail(key, "an int, (rows, columns) or ((top, bottom), (left, right))", v);
}

json sides_json(const Sides2D& s) { return json::array({json::array({s.top, s.bottom}), json::array({s.left, s.right})}); }

}  // namespace

std::unique_ptr<Layer> depthwise_conv2d_from_keras(KerasConfigReader& r) {
  DepthwiseConv2DOptions o;
  read_conv_common(r, o);
  o.depth_multiplier = r.get_or<int64_t>("depth_multiplier", 1);
  o.depthwise_initializer = r.initializer("depthwise_initializer", "glorot_uniform");
  for (const char* key : {"depthwise_regularizer", "depthwise_constraint"}) r.require_null(key);
  r.require("groups", {1});  // tf.keras writes Conv2D's groups too
  return std::make_unique<DepthwiseConv2D>(o);
}

json depthwise_conv2d_to_keras(const Layer& layer) {
  const auto& o = static_cast<const DepthwiseConv2D&>(layer).options();
  json j = conv_common_to_keras(layer, o);
  j["depth_multiplier"] = o.depth_multiplier;
  j["depthwise_initializer"] = keras_initializer_json(o.depthwise_initializer);
  j["depthwise_regularizer"] = nullptr;
  j["depthwise_constraint"] = nullptr;
  return j;
}

std::unique_ptr<Layer> separable_conv2d_from_keras(KerasConfigReader& r) {
  SeparableConv2DOptions o;
  read_conv_common(r, o);
  o.filters = r.get<int64_t>("filters");
  o.depth_multiplier = r.get_or<int64_t>("depth_multiplier", 1);
  o.depthwise_initializer = r.initializer("depthwise_initializer", "glorot_uniform");
  o.pointwise_initializer = r.initializer("pointwise_initializer", "glorot_uniform");
  for (const char* key : {"depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint",
                          "pointwise_constraint"}) {
    r.require_null(key);
  }
  r.require("groups", {1});
  return std::make_unique<SeparableConv2D>(o);
}

json separable_conv2d_to_keras(const Layer& layer) {
  const auto& o = static_cast<const SeparableConv2D&>(layer).options();
  json j = conv_common_to_keras(layer, o);
  j["filters"] = o.filters;
  j["depth_multiplier"] = o.depth_multiplier;
  j["depthwise_initializer"] = keras_initializer_json(o.depthwise_initializer);
  j["pointwise_initializer"] = keras_initializer_json(o.pointwise_initializer);
  for (const char* key : {"depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint",
                          "pointwise_constraint"}) {
    j[key] = nullptr;
  }
  return j;
}

std::unique_ptr<Layer> conv2d_transpose_from_keras(KerasConfigReader& r) {
  Conv2DTransposeOptions o;
  read_conv_common(r, o);
  o.filters = r.get<int64_t>("filters");
  o.kernel_initializer = r.initializer("kernel_initializer", "glorot_uniform");
  for (const char* key : {"kernel_regularizer", "kernel_constraint"}) r.require_null(key);
  if (r.has("output_padding") && !r.get<json>("output_padding").is_null()) o.output_padding = r.pair("output_padding");
  r.ignore("output_padding");
  r.require("groups", {1});
  return std::make_unique<Conv2DTranspose>(o);
}

json conv2d_transpose_to_keras(const Layer& layer) {
  const auto& o = static_cast<const Conv2DTranspose&>(layer).options();
  json j = conv_common_to_keras(layer, o);
  j["filters"] = o.filters;
  j["kernel_initializer"] = keras_initializer_json(o.kernel_initializer);
  j["kernel_regularizer"] = nullptr;
  j["kernel_constraint"] = nullptr;
  j["output_padding"] = o.output_padding ? pair_json(*o.output_padding) : json(nullptr);
  return j;
}

std::unique_ptr<Layer> up_sampling2d_from_keras(KerasConfigReader& r) {
  UpSampling2DOptions o;
  o.name = r.name();
  o.size = r.pair("size", {{2, 2}});
  require_channels_last(r);
  o.interpolation = r.get_or<std::string>("interpolation", "nearest");
  if (o.interpolation != "nearest" && o.interpolation != "bilinear") {
    r.fail("interpolation", "\"nearest\" or \"bilinear\"", o.interpolation);
  }
  o.input_shape = r.declared_input_shape();
  return std::make_unique<UpSampling2D>(o);
}

json up_sampling2d_to_keras(const Layer& layer) {
  const auto& o = static_cast<const UpSampling2D&>(layer).options();
  json j = keras_base_config(layer);
  j["size"] = pair_json(o.size);
  j["data_format"] = "channels_last";
  j["interpolation"] = o.interpolation;
  return j;
}

std::unique_ptr<Layer> zero_padding2d_from_keras(KerasConfigReader& r) {
  require_channels_last(r);
  return std::make_unique<ZeroPadding2D>(
      ZeroPadding2DOptions{.padding = sides(r, "padding"), .input_shape = r.declared_input_shape(), .name = r.name()});
}

json zero_padding2d_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["padding"] = sides_json(static_cast<const ZeroPadding2D&>(layer).options().padding);
  j["data_format"] = "channels_last";
  return j;
}

std::unique_ptr<Layer> cropping2d_from_keras(KerasConfigReader& r) {
  require_channels_last(r);
  return std::make_unique<Cropping2D>(
      Cropping2DOptions{.cropping = sides(r, "cropping"), .input_shape = r.declared_input_shape(), .name = r.name()});
}

json cropping2d_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["cropping"] = sides_json(static_cast<const Cropping2D&>(layer).options().cropping);
  j["data_format"] = "channels_last";
  return j;
}

std::unique_ptr<Layer> global_max_pooling2d_from_keras(KerasConfigReader& r) {
  require_channels_last(r);
  r.require("keepdims", {false});
  return std::make_unique<GlobalMaxPooling2D>(
      GlobalMaxPooling2DOptions{.input_shape = r.declared_input_shape(), .name = r.name()});
}

json global_max_pooling2d_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["data_format"] = "channels_last";
  return j;
}

}  // namespace petal::detail
