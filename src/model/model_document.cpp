// Model descriptions: writing one from a model and building a model from one.
#include "model/model_document.h"

#include <map>

#include "layers/layer_factory.h"
#include "model/model_impl.h"
#include "petal/core/error.h"
#include "petal/model/sequential.h"

namespace petal::detail {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "petal.model";
constexpr int kVersion = 2;

template <typename T>
T get(const json& j, const char* key, const std::string& what) {
  if (!j.is_object() || !j.contains(key)) throw IoError(what + ": the model description lacks '" + key + "'.");
  try {
    return j.at(key).get<T>();
  } catch (const json::exception& e) {
    throw IoError(what + ": bad '" + std::string(key) + "' in the model description (" + e.what() + ").");
  }
}

// Keras's reference to a call's output: [layer name, call index, tensor index].
json tensor_ref(const Model::Impl& m, int node) { return json::array({m.node_layers[node]->name(), m.node_calls[node], 0}); }

json graph_layers(const Model::Impl& m) {
  json layers = json::array();
  std::map<const Layer*, size_t> index;
  for (const auto& l : m.layers) {
    index[l.get()] = layers.size();
    layers.push_back({{"type", l->type()}, {"config", json::parse(l->config_json())}, {"inbound_nodes", json::array()}});
  }
  for (size_t k = 0; k < m.nodes.size(); ++k) {
    if (m.nodes[k].inputs.empty()) continue;
    json call = json::array();
    for (int i : m.nodes[k].inputs) call.push_back(tensor_ref(m, i));
    layers[index[m.node_layers[k]]]["inbound_nodes"].push_back(call);
  }
  return layers;
}

Model build_sequential(const json& j, const std::string& what) {
  Sequential s({.seed = get<uint64_t>(j, "seed", what), .name = get<std::string>(j, "name", what),
                .input_shape = get<Shape>(j, "input_shape", what)});
  for (const auto& l : get<json>(j, "layers", what)) {
    s.add(layer_from_config(get<std::string>(l, "type", what), get<json>(l, "config", what).dump()));
  }
  return s;
}

// Keras's reconstruction: a layer's call is made once the tensors it reads exist.
Model build_graph(const json& j, const std::string& what) {
  std::map<std::string, std::shared_ptr<Layer>> layers;
  std::map<std::pair<std::string, int>, KerasTensor> tensors;
  std::vector<std::pair<std::string, json>> pending;  // (layer, inbound call), in file order
  for (const auto& l : get<json>(j, "layers", what)) {
    const std::string type = get<std::string>(l, "type", what);
    const json config = get<json>(l, "config", what);
    const std::string name = get<std::string>(config, "name", what);
    if (type == "InputLayer") {
      tensors[{name, 0}] = Input(get<Shape>(config, "shape", what), {.name = name});
      continue;
    }
    layers[name] = std::shared_ptr<Layer>(layer_from_config(type, config.dump()));
    for (const auto& call : get<json>(l, "inbound_nodes", what)) pending.emplace_back(name, call);
  }
  std::map<std::string, int> calls;
  for (bool progress = true; progress && !pending.empty();) {
    progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      std::vector<KerasTensor> inputs;
      for (const auto& ref : it->second) {
        auto t = tensors.find({ref.at(0).get<std::string>(), ref.at(1).get<int>()});
        if (t == tensors.end()) break;
        inputs.push_back(t->second);
      }
      if (inputs.size() != it->second.size()) {
        ++it;
        continue;
      }
      tensors[{it->first, calls[it->first]++}] = call_layer(layers.at(it->first), inputs);
      it = pending.erase(it);
      progress = true;
    }
  }
  if (!pending.empty()) {
    throw IoError(what + ": the graph cannot be built: layer '" + pending.front().first +
                  "' reads tensors that no layer produces (a missing layer or a cycle).");
  }
  auto refs = [&](const char* key) {
    std::vector<KerasTensor> out;
    for (const auto& ref : get<json>(j, key, what)) {
      auto t = tensors.find({ref.at(0).get<std::string>(), ref.at(1).get<int>()});
      if (t == tensors.end()) throw IoError(what + ": '" + key + "' names an unknown tensor " + ref.dump() + ".");
      out.push_back(t->second);
    }
    return out;
  };
  return Model(refs("input_layers"), refs("output_layers"),
               {.seed = get<uint64_t>(j, "seed", what), .name = get<std::string>(j, "name", what)});
}

}  // namespace

json model_document(const Model& model) {
  const Model::Impl& m = model.impl();
  json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["class_name"] = m.sequential ? "Sequential" : "Model";
  j["name"] = model.name();
  j["seed"] = model.seed();
  if (m.sequential) {
    j["input_shape"] = model.input_shape();
    j["layers"] = json::array();
    for (const auto& l : m.layers) j["layers"].push_back({{"type", l->type()}, {"config", json::parse(l->config_json())}});
  } else {
    j["layers"] = graph_layers(m);
    for (int i : m.input_nodes) j["input_layers"].push_back(tensor_ref(m, i));
    for (int o : m.output_nodes) j["output_layers"].push_back(tensor_ref(m, o));
  }
  j["compiled"] = model.compiled();
  if (model.compiled()) {
    j["optimizer"] = {{"name", model.optimizer().name()}, {"config", json::parse(model.optimizer().config_json())}};
    j["loss"] = to_string(model.loss());
    for (Loss l : model.losses()) j["losses"].push_back(to_string(l));
    if (m.label_smoothing.at(0) != 0) j["label_smoothing"] = m.label_smoothing.at(0);
    j["loss_weights"] = model.loss_weights();
    j["metrics"] = m.metric_names;
    j["iterations"] = model.optimizer().iterations();
  }
  j["epochs_completed"] = model.epochs_completed();
  return j;
}

Model model_from_document(const json& j, const std::string& what) {
  if (!j.is_object() || j.value("format", "") != kFormat) {
    throw IoError(what + ": expected a petal model file (format '" + std::string(kFormat) + "'); received format '" +
                  (j.is_object() ? j.value("format", std::string("?")) : std::string("?")) + "'.");
  }
  const int version = get<int>(j, "version", what);
  if (version < 1 || version > kVersion) {
    throw IoError(what + ": expected model file version 1 to " + std::to_string(kVersion) + "; received version " +
                  std::to_string(version) + ".\nHint: this file was written by another petal version.");
  }
  const bool sequential = version == 1 || j.value("class_name", std::string("Sequential")) == "Sequential";
  Model m = sequential ? build_sequential(j, what) : build_graph(j, what);
  if (get<bool>(j, "compiled", what)) {
    const json& opt = get<json>(j, "optimizer", what);
    std::vector<LossSpec> losses;
    const double smoothing = j.contains("label_smoothing") ? get<double>(j, "label_smoothing", what) : 0.0;
    if (j.contains("losses")) {
      for (const auto& l : get<std::vector<std::string>>(j, "losses", what)) losses.emplace_back(l, smoothing);
    } else {
      losses.assign(m.output_shapes().size(), LossSpec(get<std::string>(j, "loss", what), smoothing));
    }
    m.compile(*optimizer_from_config(get<std::string>(opt, "name", what), get<json>(opt, "config", what).dump()), losses,
              j.value("metrics", std::vector<std::string>{}),
              {.loss_weights = j.value("loss_weights", std::vector<double>{})});
  }
  m.set_epochs_completed(get<int64_t>(j, "epochs_completed", what));
  return m;
}

}  // namespace petal::detail
