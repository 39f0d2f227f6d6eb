// ONNX export: a trained model as an ONNX inference graph (opset 13-17) that
// OpenCV's dnn module and ONNX runtimes load, with Keras-named initializers.
#pragma once

#include <filesystem>
#include <string>

#include "petal/model/model.h"

namespace petal {

// Layout of the exported graph's image input (and of a 4-D output).
// Nhwc: petal's own layout [N, H, W, C]; a Transpose into NCHW leads the
// convolutional part (ONNX's Conv and pooling are NCHW only). Nchw: the input is
// [N, C, H, W], as cv::dnn::blobFromImage makes it.
enum class OnnxLayout { Nhwc, Nchw };
// "nhwc" | "nchw"; ConfigError otherwise.
OnnxLayout onnx_layout_from_string(const std::string& name);
std::string to_string(OnnxLayout layout);

struct OnnxOptions {
  OnnxLayout layout = OnnxLayout::Nhwc;
  // Fold each BatchNormalization into the Conv2D or Dense right before it (when
  // that layer has no activation of its own, so folding is exact); the others
  // stay ONNX BatchNormalization nodes.
  bool fold_batch_norm = false;
  int opset = 17;  // 13..17 (Softmax per axis needs 13; libonnx 1.12 knows up to 17)
};

// Writes `model` (built, so every shape is known) as an ONNX inference graph:
// a dynamic batch dimension "N"; the input named "<first layer>_input" as in
// Keras; the output named after the last layer; initializers named after
// Keras's weights (conv2d_1/kernel:0, ...; kernels are stored as ONNX's Conv and
// Gemm(transB=1) take them: Conv2D [out, in, kh, kw], Dense [out, in]; a weight
// changed by folding is named "<weight>/folded_<batch norm layer>"); Dropout removed.
// The graph passes onnx's checker and strict shape inference before it is
// written (atomically). A layer that ONNX or OpenCV's dnn cannot express throws
// ConfigError naming the layer and the reason; nothing is written then.
void save_onnx(const Model& model, const std::filesystem::path& path, const OnnxOptions& options = {});

// False when petal was built without libonnx-dev/libprotobuf-dev (save_onnx
// then throws ConfigError saying so).
bool onnx_export_available();

}  // namespace petal
