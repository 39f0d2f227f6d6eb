// Rebuilds layers from their type name and config_json() (model files). What
// petal knows of each layer type lives next to its config_json(), in the
// layer's own file: the reader (keys read by name, optional keys default, so
// older files still load) and, where the type declares them, the schema of its
// config and its shape walk. This table is the one place that lists them.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "io/json_schema.h"
#include "petal/layers/layer.h"
#include "petal/layers/merge.h"

namespace petal::detail {

// A layer type's output shape (per sample) for input `in`, computed from a
// config that passed its rule, before anything is built; adds the weights the
// layer would create to `weights`. Empty when the layer cannot take `in`;
// nullopt when this config is beyond the walk (the shape is then checked when
// the layer is built).
using ShapeWalk = std::optional<Shape> (*)(const nlohmann::json& config, const Shape& in, double& weights);

struct LayerKind {
  std::function<std::unique_ptr<Layer>(const nlohmann::json&)> read;
  std::optional<JsonRule> config_rule = std::nullopt;  // else only the name is checked before reading
  ShapeWalk walk = nullptr;  // else the type's shapes are known only once built
};

// The factory's entry for a type name; nullptr for a type petal does not know.
const LayerKind* find_layer_kind(const std::string& type);
// The type's shape walk (LayerKind::walk) for `config`; nullopt for a type or
// config beyond the walk.
std::optional<Shape> walk_layer(const std::string& type, const nlohmann::json& config, const Shape& in,
                                double& weights);
// Throws IoError naming the type when it is unknown or the config is malformed.
std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json);
// Every type name layer_from_config knows, sorted.
std::vector<std::string> known_layer_types();

// Config rules and shape walks of the layer types that declare them.
JsonRule conv2d_config_rule();
JsonRule dense_config_rule();
JsonRule batch_normalization_config_rule();
JsonRule pooling2d_config_rule();  // MaxPooling2D and AveragePooling2D
JsonRule dropout_config_rule();
JsonRule activation_config_rule();
std::optional<Shape> conv2d_walk(const nlohmann::json& config, const Shape& in, double& weights);
std::optional<Shape> dense_walk(const nlohmann::json& config, const Shape& in, double& weights);
std::optional<Shape> batch_normalization_walk(const nlohmann::json& config, const Shape& in, double& weights);
std::optional<Shape> pooling2d_walk(const nlohmann::json& config, const Shape& in, double& weights);
std::optional<Shape> global_pooling2d_walk(const nlohmann::json& config, const Shape& in, double& weights);
std::optional<Shape> flatten_walk(const nlohmann::json& config, const Shape& in, double& weights);
std::optional<Shape> same_shape_walk(const nlohmann::json& config, const Shape& in, double& weights);

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
