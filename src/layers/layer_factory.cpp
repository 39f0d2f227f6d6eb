// Layer construction from saved configs: a table from Keras class name to the
// reader in that layer's own file.
#include "layers/layer_factory.h"

#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

using nlohmann::json;
using Reader = std::function<std::unique_ptr<Layer>(const json&)>;

const std::map<std::string, Reader>& readers() {
  static const std::map<std::string, Reader> table = {
      {"InputLayer", input_layer_from_config},
      {"Dense", dense_from_config},
      {"BatchNormalization", batch_normalization_from_config},
      {"MaxPooling2D", max_pooling2d_from_config},
      {"AveragePooling2D", average_pooling2d_from_config},
      {"GlobalAveragePooling2D", global_average_pooling2d_from_config},
      {"GlobalMaxPooling2D", global_max_pooling2d_from_config},
      {"Flatten", flatten_from_config},
      {"Dropout", dropout_from_config},
      {"Activation", activation_from_config},
      {"Add", [](const json& j) { return merge_from_config(MergeOp::Add, j); }},
      {"Subtract", [](const json& j) { return merge_from_config(MergeOp::Subtract, j); }},
      {"Multiply", [](const json& j) { return merge_from_config(MergeOp::Multiply, j); }},
      {"Average", [](const json& j) { return merge_from_config(MergeOp::Average, j); }},
      {"Maximum", [](const json& j) { return merge_from_config(MergeOp::Maximum, j); }},
      {"Minimum", [](const json& j) { return merge_from_config(MergeOp::Minimum, j); }},
      {"Concatenate", concatenate_from_config},
      {"Conv2D", conv2d_from_config},
      {"DepthwiseConv2D", depthwise_conv2d_from_config},
      {"SeparableConv2D", separable_conv2d_from_config},
      {"Conv2DTranspose", conv2d_transpose_from_config},
      {"UpSampling2D", up_sampling2d_from_config},
      {"ZeroPadding2D", zero_padding2d_from_config},
      {"Cropping2D", cropping2d_from_config},
      {"ReLU", relu_from_config},
      {"LeakyReLU", leaky_relu_from_config},
      {"PReLU", prelu_from_config},
      {"ELU", elu_from_config},
      {"Softmax", softmax_from_config},
      {"LayerNormalization", layer_normalization_from_config},
      {"SpatialDropout2D", spatial_dropout2d_from_config},
      {"GaussianNoise", gaussian_noise_from_config},
      {"GaussianDropout", gaussian_dropout_from_config},
      {"Rescaling", rescaling_from_config},
      {"Reshape", reshape_from_config},
      {"Permute", permute_from_config},
  };
  return table;
}

}  // namespace

std::vector<std::string> known_layer_types() {
  std::vector<std::string> out;
  for (const auto& [name, reader] : readers()) out.push_back(name);
  return out;
}

std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json) {
  const auto it = readers().find(type);
  if (it == readers().end()) throw IoError("unknown layer type '" + type + "' in model file.");
  try {
    return it->second(json::parse(config_json));
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
