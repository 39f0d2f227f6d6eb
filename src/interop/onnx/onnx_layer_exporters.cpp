// The exporter table and the exporters of layers without weights: pooling,
// Flatten, Dropout (removed: inference graph) and Activation.
#include "interop/onnx/onnx_layer_exporters.h"

#include "petal/core/error.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/pooling.h"

namespace petal::detail {

const std::map<std::string, LayerExporter>& onnx_layer_exporters() {
  static const std::map<std::string, LayerExporter> table = {
      {"Conv2D", export_conv2d},
      {"Dense", export_dense},
      {"BatchNormalization", export_batch_normalization},
      {"MaxPooling2D", export_pooling2d},
      {"AveragePooling2D", export_pooling2d},
      {"GlobalAveragePooling2D", export_global_average_pooling2d},
      {"Flatten", export_flatten},
      {"Dropout", export_dropout},
      {"Activation", export_activation},
  };
  return table;
}

namespace {

// Softmax's axis: Keras's last (channel) axis, as an ONNX axis of the value.
int64_t channel_axis(ValueLayout layout) {
  switch (layout) {
    case ValueLayout::Plain: return 1;  // [N, F]: petal's activations take rank 1 or 3 per sample
    case ValueLayout::Nhwc: return 3;
    case ValueLayout::Nchw: return 1;
  }
  return 1;
}

}  // namespace

void emit_activation(OnnxGraphBuilder& g, ActivationFn fn, const OnnxValue& in, const std::string& out) {
  switch (fn) {
    case ActivationFn::Relu: g.add_node("Relu", {in.name}, out); return;
    case ActivationFn::Sigmoid: g.add_node("Sigmoid", {in.name}, out); return;
    case ActivationFn::Tanh: g.add_node("Tanh", {in.name}, out); return;
    case ActivationFn::Elu: set_float(g.add_node("Elu", {in.name}, out), "alpha", 1.0f); return;
    case ActivationFn::LeakyRelu:
      set_float(g.add_node("LeakyRelu", {in.name}, out), "alpha", kLeakyReluSlope);
      return;
    case ActivationFn::Softmax: set_int(g.add_node("Softmax", {in.name}, out), "axis", channel_axis(in.layout)); return;
    case ActivationFn::Linear: g.add_node("Identity", {in.name}, out); return;
    case ActivationFn::HardSigmoid: {  // Keras 2: clip(0.2 x + 0.5, 0, 1), ONNX's defaults
      auto& node = g.add_node("HardSigmoid", {in.name}, out);
      set_float(node, "alpha", 0.2f);
      set_float(node, "beta", 0.5f);
      return;
    }
    case ActivationFn::Relu6:
    case ActivationFn::Swish:
    case ActivationFn::Gelu:
      throw ConfigError("save_onnx: activation '" + to_string(fn) + "' has no ONNX export yet.");
  }
}

void export_activation(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Activation&>(*node.layer);
  const OnnxValue in = g.input(node, 0);
  if (layer.fn() == ActivationFn::Linear) return g.alias(node, in);
  emit_activation(g, layer.fn(), in, g.output(node, in.layout));
}

void export_dropout(OnnxGraphBuilder& g, const ExportNode& node) { g.alias(node, g.input(node, 0)); }

// Keras flattens [N, H, W, C] in NHWC order (the following Dense's weights rely
// on it), so an NCHW value is transposed back first.
void export_flatten(OnnxGraphBuilder& g, const ExportNode& node) {
  const OnnxValue in = g.input(node, 0, Want::Nhwc);
  if (in.layout == ValueLayout::Plain) return g.alias(node, in);  // [N, F] already
  set_int(g.add_node("Flatten", {in.name}, g.output(node, ValueLayout::Plain)), "axis", 1);
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

// GlobalAveragePool then Flatten: OpenCV 4.6 gives ReduceMean(axes=[2, 3],
// keepdims=0) the wrong shape ([N, 1, C]).
void export_global_average_pooling2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const std::string pooled = g.fresh(node.output + "/pooled");  // [N, C, 1, 1]
  g.add_node("GlobalAveragePool", {in.name}, pooled);
  set_int(g.add_node("Flatten", {pooled}, g.output(node, ValueLayout::Plain)), "axis", 1);
}

}  // namespace petal::detail
