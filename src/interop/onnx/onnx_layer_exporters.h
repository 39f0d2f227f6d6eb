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

// Rows, by family. onnx_weighted_exporters.cpp:
void export_conv2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_dense(OnnxGraphBuilder& builder, const ExportNode& node);
void export_batch_normalization(OnnxGraphBuilder& builder, const ExportNode& node);
// onnx_conv_exporters.cpp:
void export_depthwise_conv2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_separable_conv2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_conv2d_transpose(OnnxGraphBuilder& builder, const ExportNode& node);
// onnx_layer_exporters.cpp:
void export_pooling2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_global_pooling2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_flatten(OnnxGraphBuilder& builder, const ExportNode& node);
void export_identity(OnnxGraphBuilder& builder, const ExportNode& node);  // Dropout and noise layers
// onnx_activation_exporters.cpp:
void export_activation(OnnxGraphBuilder& builder, const ExportNode& node);
void export_relu(OnnxGraphBuilder& builder, const ExportNode& node);
void export_leaky_relu(OnnxGraphBuilder& builder, const ExportNode& node);
void export_prelu(OnnxGraphBuilder& builder, const ExportNode& node);
void export_elu(OnnxGraphBuilder& builder, const ExportNode& node);
void export_softmax(OnnxGraphBuilder& builder, const ExportNode& node);
void export_layer_normalization(OnnxGraphBuilder& builder, const ExportNode& node);
// onnx_merge_exporters.cpp:
void export_merge(OnnxGraphBuilder& builder, const ExportNode& node);
void export_concatenate(OnnxGraphBuilder& builder, const ExportNode& node);
// onnx_shape_exporters.cpp:
void export_reshape(OnnxGraphBuilder& builder, const ExportNode& node);
void export_permute(OnnxGraphBuilder& builder, const ExportNode& node);
void export_zero_padding2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_cropping2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_up_sampling2d(OnnxGraphBuilder& builder, const ExportNode& node);
void export_rescaling(OnnxGraphBuilder& builder, const ExportNode& node);

// The node(s) computing activation `fn` (not Linear) of `input` into `output`;
// softmax over the last Keras axis of a value of `sample_rank` dims per sample.
void emit_activation(OnnxGraphBuilder& builder, ActivationFn fn, const OnnxValue& input, const std::string& output,
                     size_t sample_rank);

// Keras's Flatten of a value in its own layout (onnx_layer_exporters.cpp).
void emit_flatten(OnnxGraphBuilder& g, const std::string& in, const std::string& out);

// Shared by the exporters of layers with weights: the layer's weight `name` in
// Keras's layout (empty when it has none, e.g. no bias), its Keras name
// ("conv2d_1/kernel:0"), and emitting the layer's op followed by its fused
// activation (if any) into the node's output.
Tensor keras_weight(const Layer& layer, const std::string& name);
std::string keras_name(const Layer& layer, const std::string& weight);
void finish_with_activation(OnnxGraphBuilder& g, const ExportNode& node, ActivationFn fn, ValueLayout layout,
                            const std::function<onnx::NodeProto&(const std::string&)>& emit);


// A convolution's or Dense's ONNX initializers before they are added: kernels
// with the output channel first (Conv [out, in, kh, kw], Gemm's B [out, in]).
struct ConvWeights {
  std::vector<float> kernel, bias;
  std::string kernel_name, bias_name;
};
// With fold_batch_norm: folds the BatchNormalization (over the channels) that is
// the only reader of `node`'s output into `w` when `fn` is linear, renaming the
// weights "<name>/folded_<bn>", and marks that node folded.
void fold_following_batch_norm(OnnxGraphBuilder& g, const ExportNode& node, ActivationFn fn, ConvWeights& w,
                               int64_t outputs);

}  // namespace petal::detail
