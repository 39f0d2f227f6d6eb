// A functional model's graph: the nodes between its inputs and outputs in
// Keras's order, layer names made unique, first-owner weight initialisation,
// and a model called as a layer.
#include <algorithm>
#include <map>
#include <set>

#include "model/graph_node.h"
#include "model/model_impl.h"
#include "petal/core/error.h"
#include "petal/layers/input_layer.h"

namespace petal {

namespace {

using detail::GraphNode;

struct Collected {
  std::vector<GraphNode*> order;            // post-order: inputs before their consumers
  std::map<const Layer*, int> layer_index;  // pre-order discovery (Keras's tie-break)
};

// Depth-first from an output, as Keras's build_map: layers numbered on first
// sight, nodes listed once all their inputs are.
void collect(GraphNode* node, const GraphNode* consumer, const std::set<const GraphNode*>& inputs,
             std::set<const GraphNode*>& done, Collected& c, const std::string& model) {
  if (done.count(node)) return;
  c.layer_index.emplace(node->layer.get(), static_cast<int>(c.layer_index.size()));
  if (node->inputs.empty() && !inputs.count(node)) {
    throw ConfigError("Model(name='" + model + "'): graph disconnected: layer '" +
                      (consumer ? consumer->layer->name() : node->layer->name()) + "' needs input '" +
                      node->layer->name() + "', which is not among the model's inputs.");
  }
  for (const KerasTensor& t : node->inputs) collect(t.node().get(), node, inputs, done, c, model);
  done.insert(node);
  c.order.push_back(node);
}

// Nodes by decreasing depth (longest path to an output), ties by the layer's
// discovery index: Keras's order, a topological one.
std::vector<GraphNode*> keras_order(const Collected& c) {
  std::map<const GraphNode*, int> depth, position;
  for (size_t i = 0; i < c.order.size(); ++i) position[c.order[i]] = static_cast<int>(i);
  for (auto it = c.order.rbegin(); it != c.order.rend(); ++it) {
    const int d = depth[*it];
    for (const KerasTensor& t : (*it)->inputs) depth[t.node().get()] = std::max(depth[t.node().get()], d + 1);
  }
  std::vector<GraphNode*> out = c.order;
  std::stable_sort(out.begin(), out.end(), [&](const GraphNode* a, const GraphNode* b) {
    if (depth[a] != depth[b]) return depth[a] > depth[b];
    const int la = c.layer_index.at(a->layer.get()), lb = c.layer_index.at(b->layer.get());
    if (la != lb) return la < lb;
    return position[a] < position[b];
  });
  return out;
}

// Automatic names that collide (two graphs both started at input_1) are
// renumbered; two layers given one name by the user are an error.
void unique_names(std::vector<std::shared_ptr<Layer>>& layers, const std::string& model) {
  std::set<std::string> taken;
  for (const auto& l : layers) {
    if (!l->auto_named() || l->owned_by_model()) {
      if (!taken.insert(l->name()).second) {
        throw ConfigError("Model(name='" + model + "'): two layers are named '" + l->name() +
                          "'; layer names must be unique.");
      }
    }
  }
  std::map<std::string, int> counts;
  for (const auto& l : layers) {
    if (!l->auto_named() || l->owned_by_model() || taken.insert(l->name()).second) continue;
    std::string name;
    do {
      name = l->name_prefix() + "_" + std::to_string(++counts[l->name_prefix()]);
    } while (taken.count(name));
    l->set_auto_name(name);
    taken.insert(name);
  }
}

}  // namespace

Model::Model(const KerasTensor& input, const KerasTensor& output, ModelOptions options)
    : Model(std::vector<KerasTensor>{input}, std::vector<KerasTensor>{output}, std::move(options)) {}

Model::Model(const std::vector<KerasTensor>& inputs, const std::vector<KerasTensor>& outputs, ModelOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& m = *impl_;
  const std::string& name = m.options.name;
  if (inputs.empty() || outputs.empty()) {
    throw ConfigError("Model(name='" + name + "'): expected at least one input and one output tensor.");
  }
  std::set<const GraphNode*> input_set;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const GraphNode* node = inputs[i].node().get();
    if (!node) throw ConfigError("Model(name='" + name + "'): input " + std::to_string(i) + " is an empty tensor.");
    if (!node->inputs.empty() || !dynamic_cast<const InputLayer*>(node->layer.get())) {
      throw ConfigError("Model(name='" + name + "'): model inputs must be Input() tensors; input " + std::to_string(i) +
                        " is the output of layer '" + node->layer->name() + "'.");
    }
    if (!input_set.insert(node).second) {
      throw ConfigError("Model(name='" + name + "'): input '" + node->layer->name() + "' is given twice.");
    }
  }
  Collected c;
  std::set<const GraphNode*> done, output_set;
  for (size_t i = 0; i < outputs.size(); ++i) {
    GraphNode* node = outputs[i].node().get();
    if (!node) throw ConfigError("Model(name='" + name + "'): output " + std::to_string(i) + " is an empty tensor.");
    if (!output_set.insert(node).second) {
      throw ConfigError("Model(name='" + name + "'): the output of layer '" + node->layer->name() + "' is given twice.");
    }
    if (input_set.count(node)) {
      throw ConfigError("Model(name='" + name + "'): output " + std::to_string(i) + " is the model input '" +
                        node->layer->name() + "'; expected a layer's output.");
    }
    collect(node, nullptr, input_set, done, c, name);
  }
  for (const KerasTensor& t : inputs) {
    if (!done.count(t.node().get())) {
      throw ConfigError("Model(name='" + name + "'): input '" + t.layer().name() + "' is not connected to any output.");
    }
  }
  const std::vector<GraphNode*> order = keras_order(c);
  std::map<const GraphNode*, int> index;
  std::map<const Layer*, int> layer_id, calls;
  for (GraphNode* node : order) {
    index[node] = static_cast<int>(m.nodes.size());
    Layer* l = node->layer.get();
    if (!layer_id.count(l)) {
      layer_id[l] = static_cast<int>(m.layers.size());
      m.layers.push_back(node->layer);
    }
    detail::PlanNode pn;
    pn.layer = node->inputs.empty() ? nullptr : l;
    for (const KerasTensor& t : node->inputs) pn.inputs.push_back(index.at(t.node().get()));
    if (node->inputs.empty()) pn.shape = node->shape;
    pn.layer_id = layer_id[l];
    m.nodes.push_back(pn);
    m.node_layers.push_back(l);
    m.node_calls.push_back(calls[l]++);
  }
  for (const KerasTensor& t : inputs) m.input_nodes.push_back(index.at(t.node().get()));
  for (const KerasTensor& t : outputs) m.output_nodes.push_back(index.at(t.node().get()));
  m.input_tensors = inputs;
  m.output_tensors = outputs;
  unique_names(m.layers, name);
  for (const auto& l : m.layers) {
    if (l->owned_by_model()) continue;
    l->reinitialize(m.rng);
    l->set_owned_by_model();
  }
  m.built = true;
}

std::vector<KerasTensor> Model::operator()(const std::vector<KerasTensor>& inputs) {
  Impl& m = *impl_;
  if (!m.built && m.sequential && inputs.size() == 1) build(inputs[0].shape());
  if (!m.built) throw StateError(name() + ": the model is not built; it cannot be called on tensors yet.");
  if (inputs.size() != m.input_nodes.size()) {
    throw ConfigError(name() + ": expected " + std::to_string(m.input_nodes.size()) + " input tensors; received " +
                      std::to_string(inputs.size()) + ".");
  }
  std::vector<KerasTensor> value(m.nodes.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].shape() != m.node_shape(m.input_nodes[i])) {
      throw ShapeError(name() + ": input " + std::to_string(i) + " expected shape " +
                       to_keras_string(m.node_shape(m.input_nodes[i])) + "; received " +
                       to_keras_string(inputs[i].shape()) + ".");
    }
    value[m.input_nodes[i]] = inputs[i];
  }
  for (size_t k = 0; k < m.nodes.size(); ++k) {
    if (!m.nodes[k].layer) continue;
    std::vector<KerasTensor> args;
    for (int i : m.nodes[k].inputs) args.push_back(value[i]);
    value[k] = call_layer(m.layers[m.nodes[k].layer_id], args);
  }
  std::vector<KerasTensor> out;
  for (int o : m.output_nodes) out.push_back(value[o]);
  return out;
}

KerasTensor Model::operator()(const KerasTensor& input) {
  std::vector<KerasTensor> out = (*this)(std::vector<KerasTensor>{input});
  if (out.size() != 1) {
    throw ConfigError(name() + ": has " + std::to_string(out.size()) + " outputs; call it with a list to get them all.");
  }
  return out[0];
}

const std::vector<KerasTensor>& Model::inputs() const {
  if (impl_->input_tensors.empty()) throw StateError(name() + ".inputs(): only functional models keep their input tensors.");
  return impl_->input_tensors;
}

const std::vector<KerasTensor>& Model::outputs() const {
  if (impl_->output_tensors.empty()) throw StateError(name() + ".outputs(): only functional models keep their output tensors.");
  return impl_->output_tensors;
}

}  // namespace petal
