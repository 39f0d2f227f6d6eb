// Keras functional model configs to petal graph models and back: calls replayed
// in dependency order through the functional API, and inbound_nodes written as
// Keras 2.2.4 writes them ([[layer, node_index, tensor_index, {}], ...] per call).
#include "interop/keras_functional.h"

#include <map>

#include "interop/keras_config.h"
#include "interop/keras_graph.h"
#include "model/model_impl.h"
#include "petal/core/error.h"
#include "petal/layers/input_layer.h"

namespace petal::detail {

using nlohmann::json;

namespace {

std::string call_name(const KerasGraphLayer& layer, int64_t node) {
  return layer.class_name + "(name='" + layer.name + "') call " + std::to_string(node);
}

// Call arguments petal can honour: none, or those that change nothing at
// inference and training alike (a null mask).
void check_call(const KerasGraphLayer& layer, int64_t node, const KerasNode& call) {
  for (const auto& ref : call.inputs) {
    if (ref.constant) {
      throw ConfigError(call_name(layer, node) + ": takes a constant argument " + ref.constant->dump() +
                        "; petal layers take tensors only.");
    }
    if (ref.tensor_index != 0) {
      throw ConfigError(call_name(layer, node) + ": reads output " + std::to_string(ref.tensor_index) + " of layer '" +
                        ref.layer + "'; petal layers have one output.");
    }
    for (const auto& [key, value] : ref.kwargs.items()) {
      if (key == "mask" && value.is_null()) continue;
      throw ConfigError(call_name(layer, node) + ": call argument " + key + "=" + value.dump() +
                        " is not supported by petal.");
    }
  }
}

std::shared_ptr<Layer> make_layer(const KerasGraphLayer& l, const Shape& input_shape) {
  if (l.class_name == "Model" || l.class_name == "Functional" || l.class_name == "Sequential") {
    throw ConfigError("Keras layer '" + l.name + "' has class " + l.class_name +
                      ": a model nested in a model, which petal does not load; supported are layers only.");
  }
  return std::shared_ptr<Layer>(layer_from_keras(l.class_name, l.config, input_shape));
}

}  // namespace

Model functional_from_keras(const json& model_config, uint64_t seed) {
  const KerasGraph graph = parse_keras_graph(model_config);
  std::map<std::string, std::shared_ptr<Layer>> layers;
  std::map<std::pair<std::string, int64_t>, KerasTensor> tensors;
  for (const KerasCall& call : keras_call_order(graph)) {
    const KerasGraphLayer& l = graph.layers[call.layer];
    if (l.class_name == "InputLayer") {
      const KerasInputLayer in = input_layer_from_keras(l.config);
      tensors[{l.name, 0}] = Input(in.shape, {.name = l.name});
      continue;
    }
    const KerasNode& node = l.inbound_nodes[static_cast<size_t>(call.node)];
    check_call(l, call.node, node);
    std::vector<KerasTensor> inputs;
    for (const auto& ref : node.inputs) inputs.push_back(tensors.at({ref.layer, ref.node_index}));
    if (inputs.empty()) throw ConfigError(call_name(l, call.node) + ": reads no tensor.");
    auto& layer = layers[l.name];
    if (!layer) layer = make_layer(l, inputs[0].shape());
    tensors[{l.name, call.node}] = call_layer(layer, inputs);
  }
  auto refs = [&](const std::vector<KerasTensorRef>& list) {
    std::vector<KerasTensor> out;
    for (const auto& ref : list) out.push_back(tensors.at({ref.layer, ref.node_index}));
    return out;
  };
  return Model(refs(graph.inputs), refs(graph.outputs),
               {.seed = seed, .name = graph.name.empty() ? std::string("model_1") : graph.name});
}

json keras_functional_config(const Model& model) {
  const Model::Impl& m = model.impl();
  auto ref = [&](int node) { return json::array({m.node_layers[node]->name(), m.node_calls[node], 0}); };
  json layers = json::array();
  std::map<const Layer*, size_t> index;
  for (const auto& l : m.layers) {
    index[l.get()] = layers.size();
    json entry{{"name", l->name()}, {"class_name", l->type()}};
    if (const auto* input = dynamic_cast<const InputLayer*>(l.get())) {
      entry["config"] = keras_input_layer_config(l->name(), input->shape());
    } else {
      const json e = keras_layer_entry(*l);
      entry["class_name"] = e["class_name"];
      entry["config"] = e["config"];
    }
    entry["inbound_nodes"] = json::array();
    layers.push_back(entry);
  }
  for (size_t k = 0; k < m.nodes.size(); ++k) {  // topological order: calls come in order
    if (m.nodes[k].inputs.empty()) continue;
    json call = json::array();
    for (int i : m.nodes[k].inputs) {
      json r = ref(i);
      r.push_back(json::object());  // the call's kwargs
      call.push_back(r);
    }
    layers[index.at(m.node_layers[k])]["inbound_nodes"].push_back(call);
  }
  json config{{"name", model.name()}, {"layers", layers}, {"input_layers", json::array()}, {"output_layers", json::array()}};
  for (int i : m.input_nodes) config["input_layers"].push_back(ref(i));
  for (int o : m.output_nodes) config["output_layers"].push_back(ref(o));
  return {{"class_name", "Model"}, {"config", config}};
}

}  // namespace petal::detail
