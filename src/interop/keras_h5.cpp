// Reading and writing Keras 2's HDF5 weights and model layouts (keras/engine/
// saving.py in Keras 2.2.4: save_weights_to_hdf5_group, save_model, load_model).
#include "interop/keras_h5.h"

#include "io/hdf5_file.h"
#include "petal/core/error.h"

namespace petal::detail {

namespace {

using h5::File;
using h5::Group;

std::string optional_string(const Group& g, const std::string& name) {
  return g.has_attribute(name) ? g.open_attribute(name).read_string() : std::string();
}

std::string quoted_file(const Group& g) { return "'" + g.where().file + "'"; }

KerasLayerWeights read_layer(const Group& parent, const std::string& name) {
  if (!parent.has_group(name)) {
    throw IoError(quoted_file(parent) + ": layer '" + name + "' is listed in '" + parent.where().path +
                  "@layer_names' but '" + parent.where().child(name).path + "' is not a group.");
  }
  const Group g = parent.open_group(name);
  KerasLayerWeights layer{name, {}};
  // Keras reads a missing weight_names as an empty list (a weightless layer).
  for (const auto& w : h5::read_keras_string_list(g, "weight_names").value_or(std::vector<std::string>{})) {
    if (!g.has_dataset(w)) {
      throw IoError(quoted_file(parent) + ": layer '" + name + "': weight '" + w + "' is listed in weight_names but '" +
                    g.where().child(w).path + "' is not a dataset.");
    }
    layer.weights.emplace_back(w, g.open_dataset(w).read_float());
  }
  return layer;
}

KerasWeights read_weights(const Group& g) {
  KerasWeights out;
  out.keras_version = optional_string(g, "keras_version");
  out.backend = optional_string(g, "backend");
  const auto names = h5::read_keras_string_list(g, "layer_names");
  if (!names) {
    throw IoError(quoted_file(g) + ": '" + g.where().path + "' has no 'layer_names' attribute; not a Keras weights group.");
  }
  for (const auto& name : *names) out.layers.push_back(read_layer(g, name));
  return out;
}

KerasOptimizerWeights read_optimizer_weights(const Group& g) {
  KerasOptimizerWeights out;
  for (const auto& name : h5::read_keras_string_list(g, "weight_names").value_or(std::vector<std::string>{})) {
    if (!g.has_dataset(name)) {
      throw IoError(quoted_file(g) + ": optimizer weight '" + name + "' is listed in weight_names but '" +
                    g.where().child(name).path + "' is not a dataset.");
    }
    const auto ds = g.open_dataset(name);
    if (out.names.empty() && ds.is_integer() && ds.shape().empty()) out.iterations = ds.read_int64().at(0);
    out.names.push_back(name);
    out.values.push_back(ds.read_float());
  }
  return out;
}

}  // namespace

KerasFile read_keras_file(const std::filesystem::path& path) {
  const File f = File::open_read(path);
  KerasFile out;
  const bool weights_at_root = f.has_attribute("layer_names") || f.has_attribute("layer_names0");
  if (!weights_at_root && !f.has_group("model_weights")) {
    throw IoError("'" + path.string() +
                  "': not a Keras file: expected a 'layer_names' attribute at the root (save_weights) or a "
                  "'model_weights' group (model.save); found neither.");
  }
  out.keras_version = optional_string(f, "keras_version");
  out.backend = optional_string(f, "backend");
  out.model_config = optional_string(f, "model_config");
  out.training_config = optional_string(f, "training_config");
  out.weights = weights_at_root ? read_weights(f) : read_weights(f.open_group("model_weights"));
  if (f.has_group("optimizer_weights")) out.optimizer_weights = read_optimizer_weights(f.open_group("optimizer_weights"));
  return out;
}

namespace {

void write_weights(Group& g, const KerasWeights& weights) {
  std::vector<std::string> names;
  for (const auto& l : weights.layers) names.push_back(l.layer);
  h5::write_keras_string_list(g, "layer_names", names);
  g.write_string_attribute("backend", weights.backend);
  g.write_string_attribute("keras_version", weights.keras_version);
  for (const auto& l : weights.layers) {
    Group lg = g.create_group(l.layer);
    std::vector<std::string> weight_names;
    for (const auto& [name, value] : l.weights) weight_names.push_back(name);
    h5::write_keras_string_list(lg, "weight_names", weight_names);
    for (const auto& [name, value] : l.weights) lg.write_dataset(name, value);
  }
}

void write_optimizer_weights(Group& root, const KerasOptimizerWeights& w) {
  if (w.names.size() != w.values.size()) throw StateError("write_keras_model_file: optimizer names and values differ in count.");
  Group g = root.create_group("optimizer_weights");
  h5::write_keras_string_list(g, "weight_names", w.names);
  for (size_t i = 0; i < w.names.size(); ++i) {
    if (i == 0 && w.iterations) {
      g.write_int64_scalar(w.names[i], *w.iterations);
    } else {
      g.write_dataset(w.names[i], w.values[i]);
    }
  }
}

}  // namespace

void write_keras_weights_file(const std::filesystem::path& path, const KerasWeights& weights) {
  File f = File::create(path);
  write_weights(f, weights);
  f.commit();
}

void write_keras_model_file(const std::filesystem::path& path, const KerasFile& file) {
  File f = File::create(path);
  f.write_string_attribute("keras_version", file.keras_version);
  f.write_string_attribute("backend", file.backend);
  f.write_string_attribute("model_config", file.model_config);
  Group weights = f.create_group("model_weights");
  write_weights(weights, file.weights);
  if (!file.training_config.empty()) f.write_string_attribute("training_config", file.training_config);
  if (!file.optimizer_weights.empty()) write_optimizer_weights(f, file.optimizer_weights);
  f.commit();
}

}  // namespace petal::detail
