// Rebuilds layers from their type name and config_json() (model files). Each
// layer type's reader lives next to its config_json(), in the layer's own
// file: keys read by name, optional keys default (older files still load).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "petal/layers/layer.h"
#include "petal/layers/merge.h"

namespace petal::detail {

// Throws IoError naming the type when it is unknown or the config is malformed.
std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json);
// Every type name layer_from_config knows, sorted.
std::vector<std::string> known_layer_types();

std::unique_ptr<Layer> input_layer_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> dense_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> batch_normalization_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> max_pooling2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> average_pooling2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> global_average_pooling2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> flatten_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> dropout_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> activation_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> merge_from_config(MergeOp op, const nlohmann::json& config);
std::unique_ptr<Layer> concatenate_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> conv2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> depthwise_conv2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> separable_conv2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> conv2d_transpose_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> up_sampling2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> zero_padding2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> cropping2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> global_max_pooling2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> relu_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> leaky_relu_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> prelu_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> elu_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> softmax_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> layer_normalization_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> spatial_dropout2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> gaussian_noise_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> gaussian_dropout_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> rescaling_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> reshape_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> permute_from_config(const nlohmann::json& config);

}  // namespace petal::detail
