// Rebuilds layers from their type name and config_json() (model files).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "petal/layers/layer.h"

namespace petal::detail {

// Throws IoError naming the type when it is unknown or the config is malformed.
std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json);

// Per-layer config readers, each defined next to its layer's config_json().
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
