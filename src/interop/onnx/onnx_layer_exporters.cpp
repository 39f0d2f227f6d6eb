// The exporter table and the exporters of layers without weights: pooling,
// global pooling, Flatten, and the layers that are identities at inference
// (Dropout, SpatialDropout2D, GaussianNoise, GaussianDropout: removed).
#include "interop/onnx/onnx_layer_exporters.h"

#include "petal/core/error.h"
#include "petal/layers/pooling.h"

namespace petal::detail {

const std::map<std::string, LayerExporter>& onnx_layer_exporters() {
  static const std::map<std::string, LayerExporter> table = {
      {"Conv2D", export_conv2d},
      {"DepthwiseConv2D", export_depthwise_conv2d},
      {"SeparableConv2D", export_separable_conv2d},
      {"Conv2DTranspose", export_conv2d_transpose},
      {"Dense", export_dense},
      {"BatchNormalization", export_batch_normalization},
      {"LayerNormalization", export_layer_normalization},
      {"MaxPooling2D", export_pooling2d},
      {"AveragePooling2D", export_pooling2d},
      {"GlobalAveragePooling2D", export_global_pooling2d},
      {"GlobalMaxPooling2D", export_global_pooling2d},
      {"Flatten", export_flatten},
      {"Reshape", export_reshape},
      {"Permute", export_permute},
      {"ZeroPadding2D", export_zero_padding2d},
      {"Cropping2D", export_cropping2d},
      {"UpSampling2D", export_up_sampling2d},
      {"Rescaling", export_rescaling},
      {"Dropout", export_identity},
      {"SpatialDropout2D", export_identity},
      {"GaussianNoise", export_identity},
      {"GaussianDropout", export_identity},
      {"Activation", export_activation},
      {"ReLU", export_relu},
      {"LeakyReLU", export_leaky_relu},
      {"PReLU", export_prelu},
      {"ELU", export_elu},
      {"Softmax", export_softmax},
      {"Add", export_merge},
      {"Subtract", export_merge},
      {"Multiply", export_merge},
      {"Average", export_merge},
      {"Maximum", export_merge},
      {"Minimum", export_merge},
      {"Concatenate", export_concatenate},
  };
  return table;
}

void export_identity(OnnxGraphBuilder& g, const ExportNode& node) { g.alias(node, g.input(node, 0)); }

// [N, ...] -> [N, rest] as Reshape(shape=[0, -1]): OpenCV 4.6's importer gives
// ONNX's Flatten a batch it cannot reconcile with a second graph input's
// (Concat of the two fails to import); the batch copied by 0 it can.
void emit_flatten(OnnxGraphBuilder& g, const std::string& in, const std::string& out) {
  g.add_node("Reshape", {in, g.add_int64_constant(out + "/shape", {0, -1})}, out);
}

// Keras flattens [N, H, W, C] in NHWC order (the following Dense's weights rely
// on it), so an NCHW value is transposed back first.
void export_flatten(OnnxGraphBuilder& g, const ExportNode& node) {
  const OnnxValue in = g.input(node, 0, Want::Nhwc);
  if (node.layer->input_shape().size() == 1) return g.alias(node, in);  // [N, F] already
  emit_flatten(g, in.name, g.output(node, ValueLayout::Plain));
}

void export_pooling2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Pooling2D&>(*node.layer);
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const auto pool = layer.options().pool_size;
  const auto strides = layer.strides();
  const auto pads = layer.pads();  // top, left, bottom, right = ONNX's [h_begin, w_begin, h_end, w_end]
  auto& n = g.add_node(layer.is_max() ? "MaxPool" : "AveragePool", {in.name}, g.output(node, ValueLayout::Nchw));
  set_ints(n, "kernel_shape", {pool[0], pool[1]});
  set_ints(n, "strides", {strides[0], strides[1]});
  set_ints(n, "pads", {pads[0], pads[1], pads[2], pads[3]});
  // Keras's 'same' average divides by the number of valid inputs: padding excluded
  // (OpenCV 4.6 always excludes it, whatever this says; ONNX's default is 0 too).
  if (!layer.is_max()) set_int(n, "count_include_pad", 0);
}

// GlobalAveragePool / GlobalMaxPool then a flatten: OpenCV 4.6 gives
// ReduceMean(axes=[2, 3], keepdims=0) the wrong shape ([N, 1, C]).
void export_global_pooling2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const std::string pooled = g.fresh(node.output + "/pooled");  // [N, C, 1, 1]
  const bool max = node.layer->type() == "GlobalMaxPooling2D";
  g.add_node(max ? "GlobalMaxPool" : "GlobalAveragePool", {in.name}, pooled);
  emit_flatten(g, pooled, g.output(node, ValueLayout::Plain));
}

}  // namespace petal::detail
