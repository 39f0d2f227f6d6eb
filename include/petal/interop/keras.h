// Keras 2 HDF5 files for Sequential models: weights in save_weights's layout and
// whole models in model.save's layout, as Keras 2.2.4 writes and reads them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "petal/model/sequential.h"

namespace petal {

// Keras's save_weights file: root attributes layer_names (every layer),
// backend 'tensorflow' and keras_version '2.2.4'; one group per layer with
// weight_names and one dataset per weight (/conv2d_1/conv2d_1/kernel:0) in
// Keras's shapes. Written atomically. StateError if the model is not built.
void save_keras_weights(const Model& model, const std::filesystem::path& path);

// Keras's load_weights from a save_weights or model.save file. By order (the
// default): the file's layers with weights map one to one onto the model's
// layers with weights. By name: each file layer goes to the model layer of the
// same name; others are skipped. Nothing is changed unless every weight fits:
// ConfigError when layers or weight counts do not match, ShapeError naming the
// layer and weight when a shape differs, IoError for an unreadable file.
void load_keras_weights(Model& model, const std::filesystem::path& path, bool by_name = false);

// Keras 2.2.4's model.save file: root keras_version, backend, model_config
// ({"class_name": "Sequential", "config": [...]}, Keras's keys for every
// layer), training_config (optimizer, loss, metrics) when compiled, group
// model_weights, and group optimizer_weights once the optimizer has state.
// ConfigError for layers or options Keras 2.2.4 cannot express.
void save_keras_model(const Model& model, const std::filesystem::path& path);

struct KerasLoadOptions {
  bool compile = true;  // compile with the file's training_config (and optimizer state), as Keras
  uint64_t seed = 0;    // the petal model's seed (dropout masks)
};

// Keras's load_model for a Sequential model file (Keras 2.0-2.2's list config
// and 2.3+'s {"name", "layers"} config). Functional models (class Model /
// Functional) are parsed and refused until petal has graph models. ConfigError
// naming the layer and its class for layers petal lacks, naming the field for
// options petal lacks; IoError for files that are not Keras model files.
Sequential load_keras_model(const std::filesystem::path& path, const KerasLoadOptions& options = {});

// Keras's model_from_json for a Sequential model (model.to_json(), or the JSON
// files published beside save_weights files): a built, uncompiled model.
Sequential sequential_from_keras_json(const std::string& model_json, uint64_t seed = 0);

}  // namespace petal
