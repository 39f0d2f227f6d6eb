// The Keras 2 HDF5 layouts (save_weights files and full model.save files) as
// plain data, independent of petal's model classes: read and write them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "petal/core/tensor.h"

namespace petal::detail {

// One layer's group: its weight_names entries ("conv2d_1/kernel:0", paths
// relative to the layer's group) with their values, in weight_names order.
struct KerasLayerWeights {
  std::string layer;
  std::vector<std::pair<std::string, Tensor>> weights;
};

// The weights layout: root of a save_weights file, /model_weights of a model file.
struct KerasWeights {
  std::string keras_version;  // attribute keras_version ("" when absent, as in Keras 1 files)
  std::string backend;        // attribute backend ("" when absent)
  std::vector<KerasLayerWeights> layers;  // layer_names order, weightless layers included
};

// /optimizer_weights: every entry of its weight_names in order.
struct KerasOptimizerWeights {
  std::vector<std::string> names;
  std::vector<Tensor> values;  // float32 (integer counters converted)
  // The exact value of the first entry when it is an integer scalar (Keras's
  // 'iterations' / tf.keras's 'iter').
  std::optional<int64_t> iterations;
  bool empty() const { return names.empty(); }
};

struct KerasFile {
  std::string keras_version;    // root attributes
  std::string backend;
  std::string model_config;     // JSON text; "" in weights-only files
  std::string training_config;  // JSON text; "" when absent
  KerasWeights weights;
  KerasOptimizerWeights optimizer_weights;
  bool full_model() const { return !model_config.empty(); }
};

// Reads either layout (a model file when the root has no 'layer_names' but has a
// 'model_weights' group, as Keras's load_weights decides). Weight names are
// followed as paths inside the layer's group, as Keras does, so nested layouts
// (tf.keras's <layer>/<layer>/<sublayer>/kernel:0) read too. Long attributes
// split into name0, name1, ... are joined. IoError naming the file and the
// object for anything that is not a Keras 2 file.
KerasFile read_keras_file(const std::filesystem::path& path);

// Writes `weights` as a save_weights file (root attributes layer_names,
// backend, keras_version; one group per layer), atomically.
void write_keras_weights_file(const std::filesystem::path& path, const KerasWeights& weights);

// Writes a model.save file as Keras 2.2.4 does: root attributes keras_version,
// backend, model_config, training_config (when not empty), group model_weights,
// and group optimizer_weights (when not empty), atomically.
void write_keras_model_file(const std::filesystem::path& path, const KerasFile& file);

}  // namespace petal::detail
