// Keras functional model configs (class_name Model / Functional) as a neutral
// graph: layers with their inbound nodes, model inputs and outputs, in every
// format Keras 2.0-2.13 wrote (lists, dict inputs/outputs, nested call args).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace petal::detail {

// One tensor a node consumes (or a model input/output): output `tensor_index`
// of call `node_index` of layer `layer`.
struct KerasTensorRef {
  std::string layer;
  int64_t node_index = 0;
  int64_t tensor_index = 0;
  // The dict key when the structure holding this tensor was a dict (tf.keras
  // models with named inputs/outputs, layers called on a dict); "" otherwise.
  std::string key;
  // Call keyword arguments Keras stored with the entry (a node's kwargs repeat on each).
  nlohmann::json kwargs = nlohmann::json::object();
  // tf.keras's ['_CONSTANT_VALUE', -1, value, kwargs] entries: a constant, not a tensor.
  std::optional<nlohmann::json> constant;
};

// One call of a layer: its input tensors flattened in Keras's order (tf.nest:
// lists in order, dict values by sorted key).
struct KerasNode {
  std::vector<KerasTensorRef> inputs;
  nlohmann::json kwargs = nlohmann::json::object();  // the call's kwargs (those of its first input)
};

struct KerasGraphLayer {
  std::string name;
  std::string class_name;
  nlohmann::json config;             // the layer's config object
  std::vector<KerasNode> inbound_nodes;  // one per call; empty for an InputLayer
  // Calls the layer has: inbound nodes, or 1 for an InputLayer.
  int64_t node_count() const;
};

struct KerasGraph {
  std::string class_name;  // "Model" (Keras <= 2.3, tf.keras <= 2.3) or "Functional"
  std::string name;
  std::vector<KerasGraphLayer> layers;  // as listed in the config
  std::vector<KerasTensorRef> inputs;   // input_layers
  std::vector<KerasTensorRef> outputs;  // output_layers
  const KerasGraphLayer* find(const std::string& layer) const;
};

// Parses {"class_name": "Model" | "Functional", "config": {...}} (or the config
// object itself). Checks that layer names are unique and that every reference
// names an existing layer and call. ConfigError naming the layer otherwise.
KerasGraph parse_keras_graph(const nlohmann::json& model_config);

// A call of a layer, for ordering.
struct KerasCall {
  size_t layer;  // index into KerasGraph::layers
  int64_t node;  // index into its inbound_nodes (0 for an InputLayer)
  bool operator==(const KerasCall&) const = default;
};
// Every call in an order where each call comes after the calls producing its
// inputs (Keras's from_config defers nodes the same way), InputLayers first.
// ConfigError on a cycle.
std::vector<KerasCall> keras_call_order(const KerasGraph& graph);

}  // namespace petal::detail
