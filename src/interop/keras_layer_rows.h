// The rows of the Keras <-> petal layer table (keras_layer_conversions()), by
// family, and the helpers they share. keras_layers.cpp holds the table and the
// Sequential-era rows; keras_layers_conv.cpp, keras_layers_graph.cpp the others.
#pragma once

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "interop/keras_config.h"

namespace petal::detail {

// {"name", "trainable": true}: the keys of every Keras layer config.
nlohmann::json keras_base_config(const Layer& layer);
nlohmann::json pair_json(const std::array<int64_t, 2>& p);
// An activation name as Keras 2.2.4 writes it (ConfigError for 'leaky_relu').
std::string keras_activation(const Layer& layer, const std::string& activation);
// bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
// options petal lacks, which must be null.
void require_no_extras(KerasConfigReader& r);
void add_no_extras(nlohmann::json& j);
void require_channels_last(KerasConfigReader& r);

// Each row: a petal layer from a Keras config, and the Keras config of a petal layer.
// keras_layers_conv.cpp
std::unique_ptr<Layer> depthwise_conv2d_from_keras(KerasConfigReader& r);
nlohmann::json depthwise_conv2d_to_keras(const Layer& layer);
std::unique_ptr<Layer> separable_conv2d_from_keras(KerasConfigReader& r);
nlohmann::json separable_conv2d_to_keras(const Layer& layer);
std::unique_ptr<Layer> conv2d_transpose_from_keras(KerasConfigReader& r);
nlohmann::json conv2d_transpose_to_keras(const Layer& layer);
std::unique_ptr<Layer> up_sampling2d_from_keras(KerasConfigReader& r);
nlohmann::json up_sampling2d_to_keras(const Layer& layer);
std::unique_ptr<Layer> zero_padding2d_from_keras(KerasConfigReader& r);
nlohmann::json zero_padding2d_to_keras(const Layer& layer);
std::unique_ptr<Layer> cropping2d_from_keras(KerasConfigReader& r);
nlohmann::json cropping2d_to_keras(const Layer& layer);
std::unique_ptr<Layer> global_max_pooling2d_from_keras(KerasConfigReader& r);
nlohmann::json global_max_pooling2d_to_keras(const Layer& layer);
// keras_layers_graph.cpp
std::unique_ptr<Layer> add_from_keras(KerasConfigReader& r);
nlohmann::json add_to_keras(const Layer& layer);
std::unique_ptr<Layer> subtract_from_keras(KerasConfigReader& r);
nlohmann::json subtract_to_keras(const Layer& layer);
std::unique_ptr<Layer> multiply_from_keras(KerasConfigReader& r);
nlohmann::json multiply_to_keras(const Layer& layer);
std::unique_ptr<Layer> average_from_keras(KerasConfigReader& r);
nlohmann::json average_to_keras(const Layer& layer);
std::unique_ptr<Layer> maximum_from_keras(KerasConfigReader& r);
nlohmann::json maximum_to_keras(const Layer& layer);
std::unique_ptr<Layer> minimum_from_keras(KerasConfigReader& r);
nlohmann::json minimum_to_keras(const Layer& layer);
std::unique_ptr<Layer> concatenate_from_keras(KerasConfigReader& r);
nlohmann::json concatenate_to_keras(const Layer& layer);
std::unique_ptr<Layer> relu_from_keras(KerasConfigReader& r);
nlohmann::json relu_to_keras(const Layer& layer);
std::unique_ptr<Layer> softmax_from_keras(KerasConfigReader& r);
nlohmann::json softmax_to_keras(const Layer& layer);
std::unique_ptr<Layer> leaky_relu_from_keras(KerasConfigReader& r);
nlohmann::json leaky_relu_to_keras(const Layer& layer);
std::unique_ptr<Layer> prelu_from_keras(KerasConfigReader& r);
nlohmann::json prelu_to_keras(const Layer& layer);
std::unique_ptr<Layer> elu_from_keras(KerasConfigReader& r);
nlohmann::json elu_to_keras(const Layer& layer);
std::unique_ptr<Layer> layer_normalization_from_keras(KerasConfigReader& r);
nlohmann::json layer_normalization_to_keras(const Layer& layer);
std::unique_ptr<Layer> rescaling_from_keras(KerasConfigReader& r);
nlohmann::json rescaling_to_keras(const Layer& layer);
std::unique_ptr<Layer> reshape_from_keras(KerasConfigReader& r);
nlohmann::json reshape_to_keras(const Layer& layer);
std::unique_ptr<Layer> permute_from_keras(KerasConfigReader& r);
nlohmann::json permute_to_keras(const Layer& layer);
std::unique_ptr<Layer> spatial_dropout2d_from_keras(KerasConfigReader& r);
nlohmann::json spatial_dropout2d_to_keras(const Layer& layer);
std::unique_ptr<Layer> gaussian_noise_from_keras(KerasConfigReader& r);
nlohmann::json gaussian_noise_to_keras(const Layer& layer);
std::unique_ptr<Layer> gaussian_dropout_from_keras(KerasConfigReader& r);
nlohmann::json gaussian_dropout_to_keras(const Layer& layer);

}  // namespace petal::detail
