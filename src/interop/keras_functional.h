// Functional (graph) models <-> Keras model configs (class_name Model /
// Functional): a petal graph Model built with the functional API from a Keras
// config, and Keras 2.2.4's config of a petal graph model.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "petal/model/model.h"

namespace petal::detail {

// {"class_name": "Model" | "Functional", "config": {...}} (Keras 2.0-2.13) as a
// built graph model: Input() per InputLayer, each Keras layer made once (from
// the layer table) and called once per inbound node with call_layer (a layer
// called several times shares its weights), Model(inputs, outputs). ConfigError
// naming the layer and its class for layers petal lacks, for call arguments
// petal cannot honour, and for nested models.
Model functional_from_keras(const nlohmann::json& model_config, uint64_t seed);

// Keras 2.2.4's {"class_name": "Model", "config": {"name", "layers": [{"name",
// "class_name", "config", "inbound_nodes"}], "input_layers", "output_layers"}}
// of a graph model, layers in the model's (Keras's) order.
nlohmann::json keras_functional_config(const Model& model);

}  // namespace petal::detail
