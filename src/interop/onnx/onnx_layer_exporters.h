// One ONNX exporter per layer type, in a table by Keras class name: each emits the
// layer's ONNX nodes and initializers through the graph builder.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "interop/onnx/onnx_graph_builder.h"
#include "petal/layers/activations.h"

namespace petal::detail {

// Emits `node`'s computation: reads its inputs with builder.input(...), names the
// value that completes it builder.output(...) (or builder.alias(...)), and throws
// ConfigError naming the layer for an option ONNX or OpenCV's dnn cannot express.
using LayerExporter = std::function<void(OnnxGraphBuilder& builder, const ExportNode& node)>;

// Keras class name -> exporter. To export a new layer type, add its row here.
const std::map<std::string, LayerExporter>& onnx_layer_exporters();

// Rows, by family (onnx_layer_exporters.cpp, onnx_weighted_exporters.cpp).
void export_conv2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_dense(OnnxGraphBuilder& builder, const ExportNode& node);
void export_batch_normalization(OnnxGraphBuilder& builder, const ExportNode& node);
void export_pooling2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_global_average_pooling2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_flatten(OnnxGraphBuilder& builder, const ExportNode& node);
void export_dropout(OnnxGraphBuilder& builder, const ExportNode& node);
void export_activation(OnnxGraphBuilder& builder, const ExportNode& node);

// The node(s) computing activation `fn` (not Linear) of `input` into `output`,
// softmax over the channel axis of `layout`.
void emit_activation(OnnxGraphBuilder& builder, ActivationFn fn, const OnnxValue& input, const std::string& output);

}  // namespace petal::detail
