// Rebuilds layers from their type name and config_json() (model files).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "petal/layers/layer.h"

namespace petal::detail {

// Throws IoError naming the type when it is unknown or the config is malformed.
std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json);

// Per-layer config readers, defined next to each layer's config_json(): keys
// read by name, optional keys default (files written before they existed load).
std::unique_ptr<Layer> conv2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> depthwise_conv2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> separable_conv2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> conv2d_transpose_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> up_sampling2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> zero_padding2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> cropping2d_from_config(const nlohmann::json& config);
std::unique_ptr<Layer> global_max_pooling2d_from_config(const nlohmann::json& config);

}  // namespace petal::detail
