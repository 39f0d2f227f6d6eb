// Whole Keras model files (model.save / load_model, Keras 2.2.4's layout) for
// Sequential and functional models, and the extension rule of Keras's save().
#include <algorithm>
#include <cctype>
#include <iostream>
#include <nlohmann/json.hpp>

#include "interop/keras_config.h"
#include "interop/keras_functional.h"
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

void compile_from_keras(Model& model, const detail::KerasFile& file, const std::string& what) {
  const json training = json::parse(file.training_config);
  const auto outputs = model.output_names();
  auto settings = detail::compile_settings_from_keras(training, outputs.size() > 1 ? outputs : std::vector<std::string>{});
  std::vector<LossSpec> losses(settings.losses.begin(), settings.losses.end());
  model.compile(*settings.optimizer, losses, settings.metrics, {.loss_weights = settings.loss_weights});
  if (file.optimizer_weights.empty()) return;
  const std::string why =
      detail::set_keras_optimizer_weights(model.optimizer(), trainable_params(model), file.optimizer_weights);
  if (!why.empty()) {  // Keras 2.2.4 warns and starts with a fresh optimizer
    std::cerr << "petal: " << what << ": error in loading the saved optimizer state (" << why
              << "); the model starts with a freshly initialized optimizer.\n";
  }
}

// Keras's load_model assigns a functional model's weights by layer order; the
// names are unique there, so petal matches by name and checks that every layer
// with weights found its group (all or nothing, as by order).
void assign_functional_weights(Model& model, const detail::KerasWeights& weights, const std::string& what) {
  for (const Layer* l : model.layers()) {
    if (l->params().empty()) continue;
    const bool found = std::any_of(weights.layers.begin(), weights.layers.end(),
                                   [&](const auto& f) { return f.layer == l->name() && !f.weights.empty(); });
    if (!found) {
      throw ConfigError(what + ": layer '" + l->name() + "' has weights but the file has none under that name.");
    }
  }
  detail::assign_keras_weights(model, weights, true, what);
}

Model model_from_config(const json& config, uint64_t seed) {
  const std::string cls = config.is_object() ? config.value("class_name", "") : "";
  if (cls == "Model" || cls == "Functional") return detail::functional_from_keras(config, seed);
  if (cls == "Sequential") return detail::sequential_from_keras(config, seed);
  throw ConfigError("model_config: expected class_name 'Sequential', 'Model' or 'Functional'; received '" + cls + "'.");
}

}  // namespace

bool is_keras_hdf5_path(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".h5" || ext == ".hdf5";
}

void save_keras_model(const Model& model, const std::filesystem::path& path) {
  if (!model.built()) throw StateError(model.name() + ".save_keras_model: the model is not built yet.\nHint: give an input shape first.");
  auto& self = const_cast<Model&>(model);
  detail::KerasFile file;
  file.keras_version = detail::kKerasVersion;
  file.backend = detail::kKerasBackend;
  file.model_config =
      (model.is_sequential() ? detail::keras_sequential_config(model) : detail::keras_functional_config(model)).dump();
  file.weights = detail::keras_weights_of(model);
  if (model.compiled()) {
    file.training_config = detail::keras_training_config(model).dump();
    file.optimizer_weights = detail::keras_optimizer_weights(self.optimizer(), trainable_params(self));
  }
  detail::write_keras_model_file(path, file);
}

Model load_keras_model(const std::filesystem::path& path, const KerasLoadOptions& options) {
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
  try {
    Model model = model_from_config(config, options.seed);
    if (model.is_sequential()) {
      detail::assign_keras_weights(model, file.weights, false, what);
    } else {
      assign_functional_weights(model, file.weights, what);
    }
    if (options.compile && !file.training_config.empty()) {
      try {
        compile_from_keras(model, file, what);
      } catch (const ConfigError& e) {
        throw ConfigError("'" + path.string() + "': cannot compile as the file's training_config says: " + e.what() +
                          "\nHint: load with compile = false (KerasLoadOptions) and compile in petal.");
      }
    }
    return model;
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    if (message.rfind("'" + path.string() + "'", 0) == 0 || message.rfind(what, 0) == 0) throw;
    throw ConfigError("'" + path.string() + "': " + message);
  } catch (const json::exception& e) {
    throw IoError("'" + path.string() + "': malformed Keras config (" + e.what() + ").");
  }
}

Model model_from_keras_json(const std::string& model_json, uint64_t seed) {
  json j;
  try {
    j = json::parse(model_json);
  } catch (const json::exception& e) {
    throw ConfigError(std::string("Keras model JSON: not valid JSON (") + e.what() + ").");
  }
  try {
    return model_from_config(j, seed);
  } catch (const json::exception& e) {
    throw ConfigError(std::string("Keras model JSON: malformed config (") + e.what() + ").");
  }
}

}  // namespace petal
