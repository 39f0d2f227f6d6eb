// Options of ONNX export (petal/interop/onnx.h), apart so that Model's
// save_onnx member can take them without model.h including the exporter.
#pragma once

#include <string>

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
  // Fold each BatchNormalization (over the channels) into the Conv2D,
  // DepthwiseConv2D, SeparableConv2D or Dense right before it (when that layer
  // has no activation of its own and nothing else reads its output, so folding
  // is exact); the others stay ONNX BatchNormalization nodes.
  bool fold_batch_norm = false;
  int opset = 17;  // 13..17 (Softmax per axis needs 13; libonnx 1.12 knows up to 17)
};

}  // namespace petal
