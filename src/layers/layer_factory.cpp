// Layer construction from saved configs.
#include "layers/layer_factory.h"

#include <nlohmann/json.hpp>

#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"

namespace petal::detail {

namespace {

using nlohmann::json;

std::array<int64_t, 2> pair_of(const json& j, const char* key) { return j.at(key).get<std::array<int64_t, 2>>(); }

Shape input_shape_of(const json& j) { return j.contains("input_shape") ? j["input_shape"].get<Shape>() : Shape{}; }

std::unique_ptr<Layer> build(const std::string& type, const json& j) {
  const std::string name = j.at("name").get<std::string>();
  const Shape in = input_shape_of(j);
  if (type == "Conv2D") {
    return std::make_unique<Conv2D>(Conv2DOptions{
        j.at("filters").get<int64_t>(), pair_of(j, "kernel_size"), pair_of(j, "strides"),
        padding_from_string(j.at("padding").get<std::string>()), j.at("activation").get<std::string>(),
        j.at("use_bias").get<bool>(), j.at("kernel_initializer").get<std::string>(),
        j.at("bias_initializer").get<std::string>(), j.value("kernel_l2", 0.0f), in, name});
  }
  if (type == "Dense") {
    return std::make_unique<Dense>(DenseOptions{j.at("units").get<int64_t>(), j.at("activation").get<std::string>(),
                                                j.at("use_bias").get<bool>(), j.at("kernel_initializer").get<std::string>(),
                                                j.at("bias_initializer").get<std::string>(), j.value("kernel_l2", 0.0f),
                                                in, name});
  }
  if (type == "BatchNormalization") {
    return std::make_unique<BatchNormalization>(BatchNormalizationOptions{
        j.at("axis").get<int>(), j.at("momentum").get<float>(), j.at("epsilon").get<float>(),
        j.at("center").get<bool>(), j.at("scale").get<bool>(), in, name});
  }
  if (type == "MaxPooling2D" || type == "AveragePooling2D") {
    Pooling2DOptions o{pair_of(j, "pool_size"), pair_of(j, "strides"), padding_from_string(j.at("padding").get<std::string>()),
                       in, name};
    if (type == "MaxPooling2D") return std::make_unique<MaxPooling2D>(o);
    return std::make_unique<AveragePooling2D>(o);
  }
  if (type == "GlobalAveragePooling2D") return std::make_unique<GlobalAveragePooling2D>(GlobalAveragePooling2DOptions{in, name});
  if (type == "Flatten") return std::make_unique<Flatten>(FlattenOptions{in, name});
  if (type == "Dropout") {
    DropoutOptions o{j.at("rate").get<float>(), std::nullopt, in, name};
    if (j.contains("seed")) o.seed = j["seed"].get<uint64_t>();
    return std::make_unique<Dropout>(o);
  }
  if (type == "Activation") return std::make_unique<Activation>(ActivationOptions{j.at("activation").get<std::string>(), in, name});
  if (type == "ReLU") return relu_from_config(j);
  if (type == "LeakyReLU") return leaky_relu_from_config(j);
  if (type == "PReLU") return prelu_from_config(j);
  if (type == "ELU") return elu_from_config(j);
  if (type == "Softmax") return softmax_from_config(j);
  if (type == "LayerNormalization") return layer_normalization_from_config(j);
  if (type == "SpatialDropout2D") return spatial_dropout2d_from_config(j);
  if (type == "GaussianNoise") return gaussian_noise_from_config(j);
  if (type == "GaussianDropout") return gaussian_dropout_from_config(j);
  if (type == "Rescaling") return rescaling_from_config(j);
  if (type == "Reshape") return reshape_from_config(j);
  if (type == "Permute") return permute_from_config(j);
  throw IoError("unknown layer type '" + type + "' in model file.");
}

}  // namespace

std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json) {
  try {
    return build(type, json::parse(config_json));
  } catch (const json::exception& e) {
    throw IoError("malformed config for layer type '" + type + "': " + e.what());
  }
}

}  // namespace petal::detail
