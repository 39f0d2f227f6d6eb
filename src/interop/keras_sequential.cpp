// Sequential models <-> Keras 2 HDF5 files: the weights layout, Keras's
// load_weights rules (by order, by name) and the Sequential model config.
#include <nlohmann/json.hpp>

#include "interop/keras_config.h"
#include "interop/keras_h5.h"
#include "interop/keras_sequential.h"
#include "petal/core/error.h"
#include "petal/interop/keras.h"

namespace petal {

namespace detail {

using nlohmann::json;

namespace {

std::vector<const Layer*> layers_with_weights(const Model& model) {
  std::vector<const Layer*> out;
  for (const Layer* l : model.layers()) {
    if (!l->params().empty()) out.push_back(l);
  }
  return out;
}

std::string names_of(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 6; ++i) out += (i ? ", " : "") + names[i];
  return out + (names.size() > 6 ? ", ..." : "");
}

// Checks that a file layer's weights fit a model layer; the Tensors to assign.
void match_layer(const Layer& layer, const KerasLayerWeights& file, const std::string& what,
                 std::vector<std::pair<Param*, const Tensor*>>& out) {
  auto params = const_cast<Layer&>(layer).params();
  if (params.size() != file.weights.size()) {
    throw ConfigError(what + ": layer '" + layer.name() + "' of the model was matched with layer '" + file.layer +
                      "' of the file, which has " + std::to_string(file.weights.size()) + " weight(s); '" +
                      layer.name() + "' expects " + std::to_string(params.size()) + ".");
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& value = file.weights[i].second;
    if (value.shape() != params[i]->keras_shape) {
      throw ShapeError(what + ": layer '" + layer.name() + "': weight '" + file.weights[i].first + "' has shape " +
                       to_string(value.shape()) + " in the file; the model's '" + layer.name() + "/" + params[i]->name +
                       ":0' expects " + to_string(params[i]->keras_shape) + ".");
    }
    out.emplace_back(params[i], &value);
  }
}

}  // namespace

KerasWeights keras_weights_of(const Model& model) {
  KerasWeights w{kKerasVersion, kKerasBackend, {}};
  for (const Layer* l : model.layers()) {
    KerasLayerWeights layer{l->name(), {}};
    for (const Param* p : l->params()) layer.weights.emplace_back(l->name() + "/" + p->name + ":0", keras_value(*p));
    w.layers.push_back(std::move(layer));
  }
  return w;
}

void assign_keras_weights(Model& model, const KerasWeights& weights, bool by_name, const std::string& what) {
  std::vector<std::pair<Param*, const Tensor*>> assignments;
  if (by_name) {
    for (const auto& file_layer : weights.layers) {
      for (const Layer* l : model.layers()) {
        if (l->name() == file_layer.layer) match_layer(*l, file_layer, what, assignments);
      }
    }
  } else {
    const auto model_layers = layers_with_weights(model);
    std::vector<const KerasLayerWeights*> file_layers;
    std::vector<std::string> file_names, model_names;
    for (const auto& l : weights.layers) {
      if (l.weights.empty()) continue;
      file_layers.push_back(&l);
      file_names.push_back(l.layer);
    }
    for (const Layer* l : model_layers) model_names.push_back(l->name());
    if (file_layers.size() != model_layers.size()) {
      throw ConfigError(what + ": the file holds weights for " + std::to_string(file_layers.size()) + " layer(s) (" +
                        names_of(file_names) + "); the model has " + std::to_string(model_layers.size()) +
                        " layer(s) with weights (" + names_of(model_names) + ").\nHint: load by_name to match layers by name.");
    }
    for (size_t k = 0; k < model_layers.size(); ++k) match_layer(*model_layers[k], *file_layers[k], what, assignments);
  }
  for (const auto& [param, value] : assignments) assign_keras_value(*param, *value);
}

json keras_sequential_config(const Model& model) {
  json layers = json::array();
  const auto all = model.layers();
  for (size_t i = 0; i < all.size(); ++i) {
    layers.push_back(keras_layer_entry(*all[i], i == 0 ? std::optional<Shape>(model.input_shape()) : std::nullopt));
  }
  return {{"class_name", "Sequential"}, {"config", layers}};
}

Sequential sequential_from_keras(const json& model_config, uint64_t seed) {
  const json& config = model_config.value("config", json());
  const bool listed = config.is_array();  // Keras 2.0-2.2; 2.3+ writes {"name", "layers"}
  if (!listed && !(config.is_object() && config.contains("layers") && config["layers"].is_array())) {
    throw ConfigError("Keras Sequential config: expected a list of layers or {\"name\", \"layers\"}; received " +
                      config.dump().substr(0, 120) + ".");
  }
  const json& entries = listed ? config : config["layers"];
  std::string name = "sequential_1";
  if (!listed && config.value("name", json()).is_string()) name = config["name"].get<std::string>();
  Shape input_shape;
  size_t first = 0;
  if (!entries.empty() && entries[0].is_object() && entries[0].value("class_name", "") == "InputLayer") {
    input_shape = input_layer_from_keras(entries[0].value("config", json::object())).shape;
    first = 1;
  } else if (!listed && config.contains("build_input_shape") && config["build_input_shape"].is_array()) {
    for (size_t i = 1; i < config["build_input_shape"].size(); ++i) input_shape.push_back(config["build_input_shape"][i].get<int64_t>());
  }
  Sequential model({.seed = seed, .name = name, .input_shape = input_shape});
  std::optional<Shape> current = input_shape.empty() ? std::nullopt : std::optional<Shape>(input_shape);
  for (size_t i = first; i < entries.size(); ++i) {
    const json& e = entries[i];
    if (!e.is_object() || !e.contains("class_name") || !e["class_name"].is_string()) {
      throw ConfigError("Keras Sequential config: layer #" + std::to_string(i) + " has no class_name.");
    }
    Layer& added = model.add(layer_from_keras(e["class_name"].get<std::string>(), e.value("config", json::object()), current));
    if (added.built()) current = added.output_shape();
  }
  if (!model.built()) {
    throw ConfigError("Keras Sequential config '" + name + "': no input shape (batch_input_shape of the first layer).");
  }
  return model;
}

}  // namespace detail

void save_keras_weights(const Model& model, const std::filesystem::path& path) {
  if (!model.built()) throw StateError(model.name() + ".save_keras_weights: the model is not built yet.\nHint: give an input shape first.");
  detail::write_keras_weights_file(path, detail::keras_weights_of(model));
}

void load_keras_weights(Model& model, const std::filesystem::path& path, bool by_name) {
  if (!model.built()) throw StateError(model.name() + ".load_keras_weights: the model is not built yet.\nHint: give an input shape first.");
  const auto file = detail::read_keras_file(path);
  detail::assign_keras_weights(model, file.weights, by_name, "load_keras_weights('" + path.string() + "')");
}

Sequential sequential_from_keras_json(const std::string& model_json, uint64_t seed) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(model_json);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("Keras model JSON: not valid JSON (") + e.what() + ").");
  }
  const nlohmann::json cls = j.is_object() ? j.value("class_name", nlohmann::json()) : nlohmann::json();
  if (cls != "Sequential") {
    throw ConfigError("Keras model JSON: expected class_name 'Sequential'; received " + cls.dump() + ".");
  }
  try {
    return detail::sequential_from_keras(j, seed);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("Keras model JSON: malformed config (") + e.what() + ").");
  }
}

}  // namespace petal
