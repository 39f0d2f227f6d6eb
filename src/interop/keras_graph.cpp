// Parsing Keras functional model configs: inbound_nodes and input/output layer
// references in the formats of Keras 2.0-2.2, tf.keras 2.x and Keras 2.13.
#include "interop/keras_graph.h"

#include <map>
#include <set>

#include "petal/core/error.h"

namespace petal::detail {

using nlohmann::json;

namespace {

constexpr const char* kConstant = "_CONSTANT_VALUE";

// [layer, node_index, tensor_index] with optional kwargs (Keras 2), or
// ['_CONSTANT_VALUE', -1, value, kwargs] (tf.keras).
bool is_entry(const json& j) {
  return j.is_array() && (j.size() == 3 || j.size() == 4) && j[0].is_string() && j[1].is_number_integer();
}

[[noreturn]] void bad(const std::string& where, const std::string& expected, const json& received) {
  std::string text = received.dump();
  if (text.size() > 120) text = text.substr(0, 117) + "...";
  throw ConfigError(where + ": expected " + expected + "; received " + text + ".");
}

KerasTensorRef parse_entry(const json& e, const std::string& key, const std::string& where) {
  KerasTensorRef ref;
  ref.key = key;
  if (e.size() == 4) {
    if (!e[3].is_object()) bad(where, "call kwargs as a JSON object", e[3]);
    ref.kwargs = e[3];
  }
  if (e[0] == kConstant && e[1] == -1) {
    ref.node_index = -1;
    ref.constant = e[2];
    return ref;
  }
  if (!e[2].is_number_integer()) bad(where, "[layer, node_index, tensor_index(, kwargs)]", e);
  ref.layer = e[0].get<std::string>();
  ref.node_index = e[1].get<int64_t>();
  ref.tensor_index = e[2].get<int64_t>();
  return ref;
}

// Flattens a (nested) structure of entries in tf.nest order: list elements in
// order, dict values by sorted key (nlohmann's objects iterate sorted).
void flatten(const json& data, const std::string& key, const std::string& where, std::vector<KerasTensorRef>& out) {
  if (is_entry(data)) {
    out.push_back(parse_entry(data, key, where));
  } else if (data.is_array()) {
    for (const json& item : data) flatten(item, key, where, out);
  } else if (data.is_object()) {
    for (const auto& [k, v] : data.items()) flatten(v, k, where, out);
  } else {
    bad(where, "[layer, node_index, tensor_index(, kwargs)] entries", data);
  }
}

KerasGraphLayer parse_layer(const json& entry, size_t index) {
  const std::string where = "Keras model config, layer #" + std::to_string(index);
  if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string() ||
      !entry.contains("config") || !entry["config"].is_object()) {
    bad(where, "{\"class_name\": ..., \"config\": {...}, \"inbound_nodes\": [...]}", entry);
  }
  KerasGraphLayer layer;
  layer.class_name = entry["class_name"].get<std::string>();
  layer.config = entry["config"];
  const json& name = entry.contains("name") ? entry["name"] : layer.config.value("name", json());
  if (!name.is_string() || name.get<std::string>().empty()) bad(where, "a layer name", name);
  layer.name = name.get<std::string>();
  const json nodes = entry.value("inbound_nodes", json::array());
  if (!nodes.is_array()) bad(where + " ('" + layer.name + "') inbound_nodes", "a list of nodes", nodes);
  for (size_t n = 0; n < nodes.size(); ++n) {
    KerasNode node;
    flatten(nodes[n], "", "layer '" + layer.name + "' inbound node " + std::to_string(n), node.inputs);
    if (!node.inputs.empty()) node.kwargs = node.inputs.front().kwargs;
    layer.inbound_nodes.push_back(std::move(node));
  }
  return layer;
}

void check_ref(const KerasGraph& g, const KerasTensorRef& ref, const std::string& where) {
  if (ref.constant) return;
  const KerasGraphLayer* producer = g.find(ref.layer);
  if (!producer) throw ConfigError(where + " refers to layer '" + ref.layer + "', which the model does not have.");
  if (ref.node_index < 0 || ref.node_index >= producer->node_count() || ref.tensor_index < 0) {
    throw ConfigError(where + " refers to call " + std::to_string(ref.node_index) + " (output " +
                      std::to_string(ref.tensor_index) + ") of layer '" + ref.layer + "', which has " +
                      std::to_string(producer->node_count()) + " call(s).");
  }
}

}  // namespace

int64_t KerasGraphLayer::node_count() const {
  if (class_name == "InputLayer") return 1;
  return static_cast<int64_t>(inbound_nodes.size());
}

const KerasGraphLayer* KerasGraph::find(const std::string& layer) const {
  for (const auto& l : layers) {
    if (l.name == layer) return &l;
  }
  return nullptr;
}

KerasGraph parse_keras_graph(const json& model_config) {
  KerasGraph g;
  const bool wrapped = model_config.is_object() && model_config.contains("class_name");
  g.class_name = wrapped ? model_config["class_name"].get<std::string>() : "Model";
  const json& config = wrapped ? model_config.value("config", json()) : model_config;
  if (!config.is_object() || !config.contains("layers") || !config["layers"].is_array()) {
    bad("Keras " + g.class_name + " config", "an object with 'layers', 'input_layers' and 'output_layers'", config);
  }
  g.name = config.value("name", json("")).is_string() ? config.value("name", "") : "";
  std::set<std::string> names;
  for (size_t i = 0; i < config["layers"].size(); ++i) {
    g.layers.push_back(parse_layer(config["layers"][i], i));
    if (!names.insert(g.layers.back().name).second) {
      throw ConfigError("Keras model config: two layers are named '" + g.layers.back().name + "'.");
    }
  }
  flatten(config.value("input_layers", json::array()), "", "Keras model config input_layers", g.inputs);
  flatten(config.value("output_layers", json::array()), "", "Keras model config output_layers", g.outputs);
  if (g.inputs.empty() || g.outputs.empty()) bad("Keras model config", "input_layers and output_layers", config.value("input_layers", json()));
  for (const auto& l : g.layers) {
    for (size_t n = 0; n < l.inbound_nodes.size(); ++n) {
      for (const auto& ref : l.inbound_nodes[n].inputs) check_ref(g, ref, "layer '" + l.name + "' call " + std::to_string(n));
    }
  }
  for (const auto& ref : g.inputs) check_ref(g, ref, "Keras model input");
  for (const auto& ref : g.outputs) check_ref(g, ref, "Keras model output");
  return g;
}

std::vector<KerasCall> keras_call_order(const KerasGraph& g) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < g.layers.size(); ++i) index[g.layers[i].name] = i;
  std::vector<KerasCall> pending, order;
  for (size_t i = 0; i < g.layers.size(); ++i) {
    for (int64_t n = 0; n < g.layers[i].node_count(); ++n) pending.push_back({i, n});
  }
  std::set<std::pair<size_t, int64_t>> done;
  while (!pending.empty()) {
    std::vector<KerasCall> waiting;
    for (const auto& call : pending) {
      const auto& layer = g.layers[call.layer];
      bool ready = true;
      if (layer.class_name != "InputLayer") {
        for (const auto& ref : layer.inbound_nodes[static_cast<size_t>(call.node)].inputs) {
          ready = ready && (ref.constant || done.count({index.at(ref.layer), ref.node_index}));
        }
      }
      if (ready) {
        done.insert({call.layer, call.node});
        order.push_back(call);
      } else {
        waiting.push_back(call);
      }
    }
    if (waiting.size() == pending.size()) {
      throw ConfigError("Keras model config: the calls of layer '" + g.layers[waiting.front().layer].name +
                        "' wait on each other in a cycle.");
    }
    pending = std::move(waiting);
  }
  return order;
}

}  // namespace petal::detail
