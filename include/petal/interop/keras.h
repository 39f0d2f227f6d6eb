// Keras 2 HDF5 files: weights in save_weights's layout and whole models in
// model.save's layout (Sequential and functional), as Keras 2.2.4 writes and reads them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "petal/model/sequential.h"

namespace petal {

// True for the extensions Keras reads as HDF5: .h5 and .hdf5 (any case). Model::save,
// save_weights, load_weights, load_model and ModelCheckpoint pick the Keras
// format for these, petal's own for the others.
bool is_keras_hdf5_path(const std::filesystem::path& path);

// Keras's save_weights file: root attributes layer_names (every layer, InputLayers
// of a functional model too), backend 'tensorflow' and keras_version '2.2.4';
// one group per layer with weight_names and one dataset per weight
// (/conv2d_1/conv2d_1/kernel:0) in Keras's shapes. Written atomically.
// StateError if the model is not built.
void save_keras_weights(const Model& model, const std::filesystem::path& path);

// Keras's load_weights from a save_weights or model.save file. By order (the
// default): the file's layers with weights map one to one onto the model's
// layers with weights. By name: each file layer goes to the model layer of the
// same name; others are skipped. Nothing is changed unless every weight fits:
// ConfigError when layers or weight counts do not match, ShapeError naming the
// layer and weight when a shape differs, IoError for an unreadable file.
void load_keras_weights(Model& model, const std::filesystem::path& path, bool by_name = false);

// Keras 2.2.4's model.save file: root keras_version, backend, model_config
// ({"class_name": "Sequential", "config": [...]} for a Sequential, or
// {"class_name": "Model", "config": {"name", "layers" with inbound_nodes,
// "input_layers", "output_layers"}} for a functional model; Keras's keys for every
// layer), training_config (optimizer, loss, metrics, loss_weights) when compiled,
// group model_weights, and group optimizer_weights once the optimizer has state.
// Layers Keras 2.2.4 lacks (LayerNormalization, Rescaling, GaussianDropout's
// tf.keras options, Conv2D groups) are written with tf.keras 2.x's config keys.
// ConfigError for layers or options no Keras 2 can express.
void save_keras_model(const Model& model, const std::filesystem::path& path);

struct KerasLoadOptions {
  // Compile with the file's training_config (and optimizer state), as Keras. A
  // training_config petal cannot honour (an optimizer or loss petal lacks) is a
  // ConfigError naming it; load with compile = false and compile in petal then.
  bool compile = true;
  uint64_t seed = 0;  // the petal model's seed (dropout masks)
};

// Keras's load_model: Sequential files (Keras 2.0-2.2's list config and 2.3+'s
// {"name", "layers"} config) give a model that is_sequential(); functional files
// (class_name Model / Functional, Keras 2.0-2.13: shared layers, several inputs
// and outputs) a graph model built with the functional API. ConfigError naming
// the layer and its class for layers petal lacks (Lambda, LSTM, ...), naming the
// field for options petal lacks; IoError for files that are not Keras model files.
Model load_keras_model(const std::filesystem::path& path, const KerasLoadOptions& options = {});

// Keras's model_from_json (model.to_json(), or the JSON files published beside
// save_weights files), Sequential or functional: a built, uncompiled model.
Model model_from_keras_json(const std::string& model_json, uint64_t seed = 0);
// The same for a Sequential JSON only (ConfigError for other classes).
Sequential sequential_from_keras_json(const std::string& model_json, uint64_t seed = 0);

}  // namespace petal
