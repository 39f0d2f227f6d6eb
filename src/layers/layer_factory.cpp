// Layer construction from saved configs: a table from Keras class name to what
// that layer's own file declares (reader, config rule, shape walk).
#include "layers/layer_factory.h"

#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

using nlohmann::json;

const std::map<std::string, LayerKind>& kinds() {
  static const std::map<std::string, LayerKind> table = {
      {"InputLayer", {input_layer_from_config}},
      {"Dense", {dense_from_config, dense_config_rule(), dense_walk}},
      {"BatchNormalization", {batch_normalization_from_config, batch_normalization_config_rule(),
                              batch_normalization_walk}},
      {"MaxPooling2D", {max_pooling2d_from_config, pooling2d_config_rule(), pooling2d_walk}},
      {"AveragePooling2D", {average_pooling2d_from_config, pooling2d_config_rule(), pooling2d_walk}},
      {"GlobalAveragePooling2D", {global_average_pooling2d_from_config, std::nullopt, global_pooling2d_walk}},
      {"GlobalMaxPooling2D", {global_max_pooling2d_from_config}},
      {"Flatten", {flatten_from_config, std::nullopt, flatten_walk}},
      {"Dropout", {dropout_from_config, dropout_config_rule(), same_shape_walk}},
      {"Activation", {activation_from_config, activation_config_rule(), same_shape_walk}},
      {"Add", {[](const json& j) { return merge_from_config(MergeOp::Add, j); }}},
      {"Subtract", {[](const json& j) { return merge_from_config(MergeOp::Subtract, j); }}},
      {"Multiply", {[](const json& j) { return merge_from_config(MergeOp::Multiply, j); }}},
      {"Average", {[](const json& j) { return merge_from_config(MergeOp::Average, j); }}},
      {"Maximum", {[](const json& j) { return merge_from_config(MergeOp::Maximum, j); }}},
      {"Minimum", {[](const json& j) { return merge_from_config(MergeOp::Minimum, j); }}},
      {"Concatenate", {concatenate_from_config}},
      {"Conv2D", {conv2d_from_config, conv2d_config_rule(), conv2d_walk}},
      {"DepthwiseConv2D", {depthwise_conv2d_from_config}},
      {"SeparableConv2D", {separable_conv2d_from_config}},
      {"Conv2DTranspose", {conv2d_transpose_from_config}},
      {"UpSampling2D", {up_sampling2d_from_config}},
      {"ZeroPadding2D", {zero_padding2d_from_config}},
      {"Cropping2D", {cropping2d_from_config}},
      {"ReLU", {relu_from_config}},
      {"LeakyReLU", {leaky_relu_from_config}},
      {"PReLU", {prelu_from_config}},
      {"ELU", {elu_from_config}},
      {"Softmax", {softmax_from_config}},
      {"LayerNormalization", {layer_normalization_from_config}},
      {"SpatialDropout2D", {spatial_dropout2d_from_config}},
      {"GaussianNoise", {gaussian_noise_from_config}},
      {"GaussianDropout", {gaussian_dropout_from_config}},
      {"Rescaling", {rescaling_from_config}},
      {"Reshape", {reshape_from_config}},
      {"Permute", {permute_from_config}},
  };
  return table;
}

}  // namespace

const LayerKind* find_layer_kind(const std::string& type) {
  const auto it = kinds().find(type);
  return it == kinds().end() ? nullptr : &it->second;
}

std::optional<Shape> walk_layer(const std::string& type, const json& config, const Shape& in, double& weights) {
  const LayerKind* kind = find_layer_kind(type);
  return kind && kind->walk ? kind->walk(config, in, weights) : std::nullopt;
}

std::vector<std::string> known_layer_types() {
  std::vector<std::string> out;
  for (const auto& [name, kind] : kinds()) out.push_back(name);
  return out;
}

std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json) {
  const LayerKind* kind = find_layer_kind(type);
  if (!kind) throw IoError("unknown layer type '" + type + "' in model file.");
  try {
    return kind->read(json::parse(config_json));
  } catch (const json::exception& e) {
    // nlohmann's text without its "[json.exception.<kind>.<id>] " prefix.
    std::string why = e.what();
    if (const size_t at = why.find("] "); why.rfind("[json.exception", 0) == 0 && at != std::string::npos) {
      why = why.substr(at + 2);
    }
    throw IoError("malformed config for layer type '" + type + "': " + why + ".");
  }
}

}  // namespace petal::detail
