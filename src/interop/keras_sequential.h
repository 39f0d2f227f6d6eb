// Internals of the Sequential <-> Keras HDF5 wiring, shared by the weights and
// the model-file functions (and their tests).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "interop/keras_h5.h"
#include "petal/model/sequential.h"

namespace petal::detail {

// What petal writes as the Keras version and backend: the layout of Keras 2.2.4
// on TensorFlow (kernels [kh, kw, in, out], no Theano flip when read back).
inline constexpr const char* kKerasVersion = "2.2.4";
inline constexpr const char* kKerasBackend = "tensorflow";

// Every layer (weightless ones too) with its weights under Keras names.
KerasWeights keras_weights_of(const Model& model);
// Keras's load_weights rules (see load_keras_weights); `what` prefixes errors.
void assign_keras_weights(Model& model, const KerasWeights& weights, bool by_name, const std::string& what);

// {"class_name": "Sequential", "config": [layer entries]} as Keras 2.2.4 writes
// it; the first layer carries batch_input_shape and dtype.
nlohmann::json keras_sequential_config(const Model& model);
// A built Sequential from {"class_name": "Sequential", "config": ...} (list or
// {"name", "layers"} form, with or without a leading InputLayer).
Sequential sequential_from_keras(const nlohmann::json& model_config, uint64_t seed);

}  // namespace petal::detail
