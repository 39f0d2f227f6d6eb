// LayerNormalization: ONNX's LayerNormalization op (opset 17) when the
// normalised axes are the trailing ones, else (and for opsets 13-16) its
// definition in ReduceMean, Sub, Mul, Sqrt, Div and Add. OpenCV 4.6 loads
// neither (no LayerNormalization layer; ReduceMean with keepdims gives it wrong
// shapes): such files are for ONNX runtimes.
#include "interop/onnx/onnx_layer_exporters.h"
#include "petal/layers/layer_normalization.h"

namespace petal::detail {

namespace {

// gamma or beta (Keras shape: the normalised axes' sizes), or a constant fill.
std::string scale_or_shift(OnnxGraphBuilder& g, const Layer& layer, const std::string& weight, float fill,
                           const Shape& dims) {
  Tensor t = keras_weight(layer, weight);
  if (!t.empty()) return g.add_initializer(keras_name(layer, weight), dims, t.values());
  int64_t size = 1;
  for (int64_t d : dims) size *= d;
  const std::vector<float> constant(static_cast<size_t>(size), fill);
  return g.add_constant(layer.name() + "/" + weight, dims, constant);
}

}  // namespace

void export_layer_normalization(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const LayerNormalization&>(*node.layer);
  const OnnxValue in = g.input(node, 0, Want::Nhwc);  // Keras's axis order
  const std::string out = g.output(node, in.layout);
  const Shape& shape = layer.input_shape();
  const std::vector<int>& axes = layer.axes();  // with batch, increasing
  const int rank = static_cast<int>(shape.size());
  bool trailing = axes.back() == rank;
  for (size_t i = 1; i < axes.size(); ++i) trailing = trailing && axes[i] == axes[i - 1] + 1;
  const float eps = layer.options().epsilon;
  if (trailing && g.opset() >= 17) {
    Shape dims;
    for (int a : axes) dims.push_back(shape[static_cast<size_t>(a - 1)]);
    auto& n = g.add_node("LayerNormalization", {in.name, scale_or_shift(g, layer, "gamma", 1.0f, dims),
                                                scale_or_shift(g, layer, "beta", 0.0f, dims)},
                         out);
    set_int(n, "axis", axes.front());
    set_float(n, "epsilon", eps);
    return;
  }
  Shape broadcast(shape.size(), 1);  // the per-sample shape with 1 on the other axes
  std::vector<int64_t> reduce;
  for (int a : axes) {
    broadcast[static_cast<size_t>(a - 1)] = shape[static_cast<size_t>(a - 1)];
    reduce.push_back(a);
  }
  auto name = [&](const char* what) { return g.fresh(out + "/" + what); };
  const std::string mean = name("mean"), centred = name("centred"), squared = name("squared");
  const std::string var = name("variance"), var_eps = name("variance_eps"), std_dev = name("std");
  const std::string normed = name("normalized"), scaled = name("scaled");
  set_ints(g.add_node("ReduceMean", {in.name}, mean), "axes", reduce);
  g.add_node("Sub", {in.name, mean}, centred);
  g.add_node("Mul", {centred, centred}, squared);
  set_ints(g.add_node("ReduceMean", {squared}, var), "axes", reduce);
  g.add_node("Add", {var, g.add_scalar(out + "/epsilon", eps)}, var_eps);
  g.add_node("Sqrt", {var_eps}, std_dev);
  g.add_node("Div", {centred, std_dev}, normed);
  g.add_node("Mul", {normed, scale_or_shift(g, layer, "gamma", 1.0f, broadcast)}, scaled);
  g.add_node("Add", {scaled, scale_or_shift(g, layer, "beta", 0.0f, broadcast)}, out);
}

}  // namespace petal::detail
