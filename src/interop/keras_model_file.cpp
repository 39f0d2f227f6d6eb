// Whole Keras model files (model.save / load_model, Keras 2.2.4's layout) for
// Sequential models; functional files are parsed and refused for now.
#include <iostream>
#include <nlohmann/json.hpp>

#include "interop/keras_config.h"
#include "interop/keras_graph.h"
#include "interop/keras_h5.h"
#include "interop/keras_sequential.h"
#include "interop/keras_training.h"
#include "petal/core/error.h"
#include "petal/interop/keras.h"

namespace petal {

namespace {

using nlohmann::json;

std::vector<Param*> trainable_params(Model& model) {
  std::vector<Param*> out;
  for (Layer* l : model.layers()) {
    for (Param* p : l->params()) {
      if (p->trainable) out.push_back(p);
    }
  }
  return out;
}

// Functional files: the graph parses (so the lead's graph Model can take it
// from here), then a clear refusal naming what petal cannot convert yet.
[[noreturn]] void refuse_functional(const json& model_config, const std::string& file) {
  const detail::KerasGraph graph = detail::parse_keras_graph(model_config);
  std::string missing;
  int count = 0;
  for (const auto& l : graph.layers) {
    bool known = l.class_name == "InputLayer";
    for (const auto& row : detail::keras_layer_conversions()) known = known || l.class_name == row.keras_class;
    if (!known && count++ < 4) missing += (missing.empty() ? "" : ", ") + l.name + " (" + l.class_name + ")";
  }
  if (count > 4) missing += ", ... (" + std::to_string(count) + " in all)";
  throw ConfigError("'" + file + "': functional Keras models (class_name '" + graph.class_name + "', " +
                    std::to_string(graph.layers.size()) + " layers) load once graph models land in petal" +
                    (missing.empty() ? "" : "; layers petal cannot convert yet: " + missing) + ".");
}

void compile_from_keras(Model& model, const detail::KerasFile& file, const std::string& what) {
  const json training = json::parse(file.training_config);
  auto settings = detail::compile_settings_from_keras(training);
  model.compile(*settings.optimizer, settings.loss, settings.metrics);
  if (file.optimizer_weights.empty()) return;
  const std::string why =
      detail::set_keras_optimizer_weights(model.optimizer(), trainable_params(model), file.optimizer_weights);
  if (!why.empty()) {  // Keras 2.2.4 warns and starts with a fresh optimizer
    std::cerr << "petal: " << what << ": error in loading the saved optimizer state (" << why
              << "); the model starts with a freshly initialized optimizer.\n";
  }
}

}  // namespace

void save_keras_model(const Model& model, const std::filesystem::path& path) {
  if (!model.built()) throw StateError(model.name() + ".save_keras_model: the model is not built yet.\nHint: give an input shape first.");
  auto& self = const_cast<Model&>(model);
  detail::KerasFile file;
  file.keras_version = detail::kKerasVersion;
  file.backend = detail::kKerasBackend;
  file.model_config = detail::keras_sequential_config(model).dump();
  file.weights = detail::keras_weights_of(model);
  if (model.compiled()) {
    file.training_config = detail::keras_training_config(model.optimizer(), model.loss(), model.metrics()).dump();
    file.optimizer_weights = detail::keras_optimizer_weights(self.optimizer(), trainable_params(self));
  }
  detail::write_keras_model_file(path, file);
}

Sequential load_keras_model(const std::filesystem::path& path, const KerasLoadOptions& options) {
  const std::string what = "load_keras_model('" + path.string() + "')";
  const detail::KerasFile file = detail::read_keras_file(path);
  if (!file.full_model()) {
    throw IoError("'" + path.string() + "': a Keras weights file (save_weights), without a model_config.\n"
                  "Hint: build the model in petal and call load_keras_weights.");
  }
  json config;
  try {
    config = json::parse(file.model_config);
  } catch (const json::exception& e) {
    throw IoError("'" + path.string() + "': model_config is not valid JSON (" + e.what() + ").");
  }
  const std::string cls = config.is_object() ? config.value("class_name", "") : "";
  try {
    if (cls == "Model" || cls == "Functional") refuse_functional(config, path.string());
    if (cls != "Sequential") {
      throw ConfigError("model_config: expected class_name 'Sequential', 'Model' or 'Functional'; received '" + cls + "'.");
    }
    Sequential model = detail::sequential_from_keras(config, options.seed);
    detail::assign_keras_weights(model, file.weights, false, what);
    if (options.compile && !file.training_config.empty()) compile_from_keras(model, file, what);
    return model;
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    if (message.rfind("'" + path.string() + "'", 0) == 0 || message.rfind(what, 0) == 0) throw;
    throw ConfigError("'" + path.string() + "': " + message);
  } catch (const json::exception& e) {
    throw IoError("'" + path.string() + "': malformed Keras config (" + e.what() + ").");
  }
}

}  // namespace petal
