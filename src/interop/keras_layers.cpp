// The Keras <-> petal layer table: one from_keras / to_keras pair per layer
// type. Keys written are those of Keras 2.2.4's get_config() for the class.
// To add a layer type: write its pair below (or in a sibling file) and a row.
#include "interop/keras_config.h"
#include "interop/keras_layer_rows.h"
#include "interop/keras_config_values.h"
#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"

namespace petal::detail {

using nlohmann::json;

json keras_base_config(const Layer& layer) { return {{"name", layer.name()}, {"trainable", true}}; }

json pair_json(const std::array<int64_t, 2>& p) { return json::array({p[0], p[1]}); }

// Keras 2.2.4 has no 'leaky_relu' activation function (only the LeakyReLU layer).
std::string keras_activation(const Layer& layer, const std::string& activation) {
  if (activation == "leaky_relu") {
    throw ConfigError(layer.where() + ": activation 'leaky_relu' has no Keras 2.2.4 equivalent.");
  }
  return activation;
}

// Options of Keras's conv/dense layers that petal lacks: must be null.
void require_no_extras(KerasConfigReader& r) {
  for (const char* key : {"bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"}) {
    r.require_null(key);
  }
}

void add_no_extras(json& j) {
  for (const char* key : {"bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"}) {
    j[key] = nullptr;
  }
}

void require_channels_last(KerasConfigReader& r) {
  r.require("data_format", {"channels_last"});
}

namespace {

std::unique_ptr<Layer> conv2d_from_keras(KerasConfigReader& r) {
  Conv2DOptions o;
  o.name = r.name();
  o.filters = r.get<int64_t>("filters");
  o.kernel_size = r.pair("kernel_size");
  o.strides = r.pair("strides", {{1, 1}});
  o.padding = r.padding();
  require_channels_last(r);
  o.dilation_rate = r.pair("dilation_rate", {{1, 1}});
  o.groups = r.get_or<int64_t>("groups", 1);
  o.activation = r.activation();
  o.use_bias = r.get_or<bool>("use_bias", true);
  o.kernel_initializer = r.initializer("kernel_initializer", "glorot_uniform");
  o.bias_initializer = r.initializer("bias_initializer", "zeros");
  o.kernel_l2 = r.l2_regularizer("kernel_regularizer");
  require_no_extras(r);
  o.input_shape = r.declared_input_shape();
  return std::make_unique<Conv2D>(o);
}

json conv2d_to_keras(const Layer& layer) {
  const auto& o = static_cast<const Conv2D&>(layer).options();
  json j = keras_base_config(layer);
  j["filters"] = o.filters;
  j["kernel_size"] = pair_json(o.kernel_size);
  j["strides"] = pair_json(o.strides);
  j["padding"] = to_string(o.padding);
  j["data_format"] = "channels_last";
  j["dilation_rate"] = pair_json(o.dilation_rate);
  if (o.groups != 1) j["groups"] = o.groups;  // tf.keras 2.3+ (Keras 2.2.4 has no groups)
  j["activation"] = keras_activation(layer, o.activation);
  j["use_bias"] = o.use_bias;
  j["kernel_initializer"] = keras_initializer_json(o.kernel_initializer);
  j["bias_initializer"] = keras_initializer_json(o.bias_initializer);
  j["kernel_regularizer"] = keras_regularizer_json(o.kernel_l2);
  add_no_extras(j);
  return j;
}

std::unique_ptr<Layer> dense_from_keras(KerasConfigReader& r) {
  DenseOptions o;
  o.name = r.name();
  o.units = r.get<int64_t>("units");
  o.activation = r.activation();
  o.use_bias = r.get_or<bool>("use_bias", true);
  o.kernel_initializer = r.initializer("kernel_initializer", "glorot_uniform");
  o.bias_initializer = r.initializer("bias_initializer", "zeros");
  o.kernel_l2 = r.l2_regularizer("kernel_regularizer");
  require_no_extras(r);
  o.input_shape = r.declared_input_shape();
  return std::make_unique<Dense>(o);
}

json dense_to_keras(const Layer& layer) {
  const auto& o = static_cast<const Dense&>(layer).options();
  json j = keras_base_config(layer);
  j["units"] = o.units;
  j["activation"] = keras_activation(layer, o.activation);
  j["use_bias"] = o.use_bias;
  j["kernel_initializer"] = keras_initializer_json(o.kernel_initializer);
  j["bias_initializer"] = keras_initializer_json(o.bias_initializer);
  j["kernel_regularizer"] = keras_regularizer_json(o.kernel_l2);
  add_no_extras(j);
  return j;
}

// Keras's axis: an int counted with the batch (negative from the end), possibly
// as a one-element list (tf.keras).
int batch_norm_axis(KerasConfigReader& r) {
  json axis = r.has("axis") ? r.get<json>("axis") : json(-1);
  if (axis.is_array() && axis.size() == 1) axis = axis[0];
  if (!axis.is_number_integer()) r.fail("axis", "one axis (an integer)", r.get<json>("axis"));
  return axis.get<int>();
}

std::unique_ptr<Layer> batch_norm_from_keras(KerasConfigReader& r) {
  BatchNormalizationOptions o;
  o.name = r.name();
  o.axis = batch_norm_axis(r);
  o.momentum = r.get_or<float>("momentum", 0.99f);
  o.epsilon = r.get_or<float>("epsilon", 1e-3f);
  o.center = r.get_or<bool>("center", true);
  o.scale = r.get_or<bool>("scale", true);
  // petal's batch norm starts from Keras's default initial values.
  constexpr std::array<std::pair<const char*, const char*>, 4> kInitial{{{"beta_initializer", "zeros"},
                                                                         {"gamma_initializer", "ones"},
                                                                         {"moving_mean_initializer", "zeros"},
                                                                         {"moving_variance_initializer", "ones"}}};
  for (const auto& [key, fallback] : kInitial) {
    if (r.initializer(key, fallback) != fallback) r.fail(key, std::string("the ") + fallback + " initializer", r.get<json>(key));
  }
  for (const char* key : {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"}) r.require_null(key);
  // tf.keras options that change nothing at their defaults ('fused' picks a kernel).
  r.require("renorm", {false});
  r.require("virtual_batch_size", {nullptr});
  r.require("adjustment", {nullptr});
  r.require("synchronized", {false});
  for (const char* key : {"renorm_clipping", "renorm_momentum", "fused"}) r.ignore(key);
  o.input_shape = r.declared_input_shape();
  return std::make_unique<BatchNormalization>(o);
}

json batch_norm_to_keras(const Layer& layer) {
  const auto& o = static_cast<const BatchNormalization&>(layer).options();
  json j = keras_base_config(layer);
  j["axis"] = o.axis;
  j["momentum"] = keras_float(o.momentum);
  j["epsilon"] = keras_float(o.epsilon);
  j["center"] = o.center;
  j["scale"] = o.scale;
  j["beta_initializer"] = keras_initializer_json("zeros");
  j["gamma_initializer"] = keras_initializer_json("ones");
  j["moving_mean_initializer"] = keras_initializer_json("zeros");
  j["moving_variance_initializer"] = keras_initializer_json("ones");
  for (const char* key : {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"}) j[key] = nullptr;
  return j;
}

Pooling2DOptions pooling_options(KerasConfigReader& r) {
  Pooling2DOptions o;
  o.name = r.name();
  o.pool_size = r.pair("pool_size", {{2, 2}});
  o.strides = r.pair("strides", o.pool_size);
  o.padding = r.padding();
  require_channels_last(r);
  o.input_shape = r.declared_input_shape();
  return o;
}

std::unique_ptr<Layer> max_pooling_from_keras(KerasConfigReader& r) { return std::make_unique<MaxPooling2D>(pooling_options(r)); }
std::unique_ptr<Layer> average_pooling_from_keras(KerasConfigReader& r) {
  return std::make_unique<AveragePooling2D>(pooling_options(r));
}

json pooling_to_keras(const Layer& layer) {
  const auto& p = static_cast<const Pooling2D&>(layer);
  json j = keras_base_config(layer);
  j["pool_size"] = pair_json(p.options().pool_size);
  j["padding"] = to_string(p.options().padding);
  j["strides"] = pair_json(p.strides());
  j["data_format"] = "channels_last";
  return j;
}

std::unique_ptr<Layer> global_average_pooling_from_keras(KerasConfigReader& r) {
  require_channels_last(r);
  r.require("keepdims", {false});
  return std::make_unique<GlobalAveragePooling2D>(GlobalAveragePooling2DOptions{r.declared_input_shape(), r.name()});
}

json channels_last_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["data_format"] = "channels_last";
  return j;
}

std::unique_ptr<Layer> flatten_from_keras(KerasConfigReader& r) {
  require_channels_last(r);
  return std::make_unique<Flatten>(FlattenOptions{r.declared_input_shape(), r.name()});
}

std::unique_ptr<Layer> dropout_from_keras(KerasConfigReader& r) {
  DropoutOptions o;
  o.name = r.name();
  o.rate = r.get<float>("rate");
  // Keras applies no dropout at all when rate is 0, so a noise_shape is moot then.
  if (o.rate != 0.0f) r.require_null("noise_shape");
  r.ignore("noise_shape");
  if (r.has("seed") && !r.get<json>("seed").is_null()) o.seed = r.get<uint64_t>("seed");
  o.input_shape = r.declared_input_shape();
  return std::make_unique<Dropout>(o);
}

json dropout_to_keras(const Layer& layer) {
  const auto& d = static_cast<const Dropout&>(layer);
  json j = keras_base_config(layer);
  j["rate"] = keras_float(d.rate());
  j["noise_shape"] = nullptr;
  // petal derives an unset seed from the model's seed; Keras's null means random.
  j["seed"] = nullptr;
  return j;
}

std::unique_ptr<Layer> activation_from_keras(KerasConfigReader& r) {
  return std::make_unique<Activation>(ActivationOptions{r.activation(), r.declared_input_shape(), r.name()});
}

json activation_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["activation"] = keras_activation(layer, static_cast<const Activation&>(layer).activation());
  return j;
}

constexpr KerasLayerConversion kConversions[] = {
    {"Conv2D", "Conv2D", conv2d_from_keras, conv2d_to_keras},
    {"Dense", "Dense", dense_from_keras, dense_to_keras},
    {"BatchNormalization", "BatchNormalization", batch_norm_from_keras, batch_norm_to_keras},
    {"MaxPooling2D", "MaxPooling2D", max_pooling_from_keras, pooling_to_keras},
    {"AveragePooling2D", "AveragePooling2D", average_pooling_from_keras, pooling_to_keras},
    {"GlobalAveragePooling2D", "GlobalAveragePooling2D", global_average_pooling_from_keras, channels_last_to_keras},
    {"Flatten", "Flatten", flatten_from_keras, channels_last_to_keras},
    {"Dropout", "Dropout", dropout_from_keras, dropout_to_keras},
    {"Activation", "Activation", activation_from_keras, activation_to_keras},
    {"DepthwiseConv2D", "DepthwiseConv2D", depthwise_conv2d_from_keras, depthwise_conv2d_to_keras},
    {"SeparableConv2D", "SeparableConv2D", separable_conv2d_from_keras, separable_conv2d_to_keras},
    {"Conv2DTranspose", "Conv2DTranspose", conv2d_transpose_from_keras, conv2d_transpose_to_keras},
    {"UpSampling2D", "UpSampling2D", up_sampling2d_from_keras, up_sampling2d_to_keras},
    {"ZeroPadding2D", "ZeroPadding2D", zero_padding2d_from_keras, zero_padding2d_to_keras},
    {"Cropping2D", "Cropping2D", cropping2d_from_keras, cropping2d_to_keras},
    {"GlobalMaxPooling2D", "GlobalMaxPooling2D", global_max_pooling2d_from_keras, global_max_pooling2d_to_keras},
    {"Add", "Add", add_from_keras, add_to_keras},
    {"Subtract", "Subtract", subtract_from_keras, subtract_to_keras},
    {"Multiply", "Multiply", multiply_from_keras, multiply_to_keras},
    {"Average", "Average", average_from_keras, average_to_keras},
    {"Maximum", "Maximum", maximum_from_keras, maximum_to_keras},
    {"Minimum", "Minimum", minimum_from_keras, minimum_to_keras},
    {"Concatenate", "Concatenate", concatenate_from_keras, concatenate_to_keras},
    {"ReLU", "ReLU", relu_from_keras, relu_to_keras},
    {"Softmax", "Softmax", softmax_from_keras, softmax_to_keras},
    {"LeakyReLU", "LeakyReLU", leaky_relu_from_keras, leaky_relu_to_keras},
    {"PReLU", "PReLU", prelu_from_keras, prelu_to_keras},
    {"ELU", "ELU", elu_from_keras, elu_to_keras},
    {"LayerNormalization", "LayerNormalization", layer_normalization_from_keras, layer_normalization_to_keras},
    {"Rescaling", "Rescaling", rescaling_from_keras, rescaling_to_keras},
    {"Reshape", "Reshape", reshape_from_keras, reshape_to_keras},
    {"Permute", "Permute", permute_from_keras, permute_to_keras},
    {"SpatialDropout2D", "SpatialDropout2D", spatial_dropout2d_from_keras, spatial_dropout2d_to_keras},
    {"GaussianNoise", "GaussianNoise", gaussian_noise_from_keras, gaussian_noise_to_keras},
    {"GaussianDropout", "GaussianDropout", gaussian_dropout_from_keras, gaussian_dropout_to_keras},
};

}  // namespace

std::span<const KerasLayerConversion> keras_layer_conversions() { return kConversions; }

}  // namespace petal::detail
