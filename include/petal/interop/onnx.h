// ONNX export: a trained model as an ONNX inference graph (opset 13-17) that
// OpenCV's dnn module and ONNX runtimes load, with Keras-named initializers.
#pragma once

#include <filesystem>
#include <string>

#include "petal/interop/onnx_options.h"
#include "petal/model/model.h"

namespace petal {

// Writes `model` (built, so every shape is known) as an ONNX inference graph
// (also model.save_onnx(path, options)): a dynamic batch dimension "N"; a
// Sequential's input named "<first layer>_input" as in Keras, a functional
// model's inputs after their InputLayers; outputs named after the layers that
// compute them; initializers named after
// Keras's weights (conv2d_1/kernel:0, ...; kernels are stored as ONNX's Conv and
// Gemm(transB=1) take them: Conv2D [out, in, kh, kw], Dense [out, in]; a weight
// changed by folding is named "<weight>/folded_<batch norm layer>"; constants
// that are no Keras weight end in "_constant"); Dropout and the noise layers
// removed. docs/onnx-export.md lists each layer's ONNX form and which files
// OpenCV 4.6's dnn module cannot load (LayerNormalization).
// The graph passes onnx's checker and strict shape inference before it is
// written (atomically). A layer that ONNX or OpenCV's dnn cannot express throws
// ConfigError naming the layer and the reason; nothing is written then.
void save_onnx(const Model& model, const std::filesystem::path& path, const OnnxOptions& options = {});

// False when petal was built without libonnx-dev/libprotobuf-dev (save_onnx
// then throws ConfigError saying so).
bool onnx_export_available();

}  // namespace petal
