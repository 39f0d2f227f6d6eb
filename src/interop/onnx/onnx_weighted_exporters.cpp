// Exporters of the layers with weights: Conv2D (ONNX Conv, kernel transposed to
// [out, in, kh, kw]), Dense (Gemm, kernel transposed to [out, in]) and
// BatchNormalization (ONNX BatchNormalization, or folded into the layer before).
#include <cmath>

#include "interop/onnx/onnx_layer_exporters.h"
#include "layers/batch_norm_affine.h"
#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/dense.h"

namespace petal::detail {

Tensor keras_weight(const Layer& layer, const std::string& name) {
  for (const Param* p : layer.params()) {
    if (p->name == name) return keras_value(*p);
  }
  return {};
}

std::string keras_name(const Layer& layer, const std::string& weight) { return layer.name() + "/" + weight + ":0"; }

void finish_with_activation(OnnxGraphBuilder& g, const ExportNode& node, ActivationFn fn, ValueLayout layout,
                            const std::function<onnx::NodeProto&(const std::string&)>& emit) {
  if (fn == ActivationFn::Linear) {
    emit(g.output(node, layout));
    return;
  }
  const std::string pre = g.fresh(node.output + "/pre_activation");
  emit(pre);
  emit_activation(g, fn, {pre, layout}, g.output(node, layout), node.layer->output_shape().size());
}

namespace {

// Inference-time batch norm as y = x * scale + shift, per channel.
struct ChannelAffine {
  std::vector<float> scale, shift;
};

ChannelAffine affine_of(const BatchNormalization& bn) {
  const Tensor gamma = keras_weight(bn, "gamma"), beta = keras_weight(bn, "beta");
  const Tensor mean = keras_weight(bn, "moving_mean"), var = keras_weight(bn, "moving_variance");
  const auto channels = static_cast<size_t>(mean.size());
  ChannelAffine a{std::vector<float>(channels), std::vector<float>(channels)};
  batch_norm_affine(gamma.empty() ? nullptr : gamma.data(), beta.empty() ? nullptr : beta.data(), mean.data(),
                    var.data(), bn.options().epsilon, mean.size(), a.scale.data(), a.shift.data());
  return a;
}

// The BatchNormalization node to fold into `node` (a Conv2D or Dense without an
// activation of its own whose output only that BatchNormalization reads, over
// the channel axis).
const ExportNode* foldable_batch_norm(const OnnxGraphBuilder& g, const ExportNode& node, ActivationFn fn) {
  if (!g.options().fold_batch_norm || fn != ActivationFn::Linear) return nullptr;
  const ExportNode* next = g.sole_consumer(node);
  const auto* bn = next ? dynamic_cast<const BatchNormalization*>(next->layer) : nullptr;
  if (!bn || bn->resolved_axis() != static_cast<int>(bn->input_shape().size())) return nullptr;
  return next;
}

// Scales output channel o's weights and bias by a.scale[o] and adds a.shift[o]:
// BN(conv(x)) = conv'(x). The kernel holds output channels first (ONNX's Conv
// [out, in, kh, kw], Gemm's transposed B [out, in]).
void fold(ConvWeights& w, const ChannelAffine& a, int64_t outputs, const std::string& bn_name) {
  const int64_t per = static_cast<int64_t>(w.kernel.size()) / outputs;
  for (int64_t o = 0; o < outputs; ++o) {
    for (int64_t j = 0; j < per; ++j) w.kernel[o * per + j] *= a.scale[o];
  }
  if (w.bias.empty()) w.bias.assign(outputs, 0.0f);
  for (int64_t o = 0; o < outputs; ++o) w.bias[o] = w.bias[o] * a.scale[o] + a.shift[o];
  w.kernel_name += "/folded_" + bn_name;  // the values are no longer Keras's
  w.bias_name += "/folded_" + bn_name;
}

}  // namespace

void fold_following_batch_norm(OnnxGraphBuilder& g, const ExportNode& node, ActivationFn fn, ConvWeights& w,
                               int64_t outputs) {
  if (const ExportNode* next = foldable_batch_norm(g, node, fn)) {
    const auto& bn = static_cast<const BatchNormalization&>(*next->layer);
    fold(w, affine_of(bn), outputs, bn.name());
    g.mark_folded(next);
  }
}

void export_conv2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Conv2D&>(*node.layer);
  const auto& o = layer.options();
  const ActivationFn fn = activation_from_string(o.activation);
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const Tensor k = keras_weight(layer, "kernel");  // [kh, kw, ci, co]
  const int64_t kh = k.dim(0), kw = k.dim(1), ci = k.dim(2), co = k.dim(3);
  ConvWeights w{.kernel = std::vector<float>(k.size()),
            .bias = {},
            .kernel_name = keras_name(layer, "kernel"),
            .bias_name = keras_name(layer, "bias")};
  for (int64_t y = 0; y < kh; ++y)
    for (int64_t x = 0; x < kw; ++x)
      for (int64_t i = 0; i < ci; ++i)
        for (int64_t c = 0; c < co; ++c) {
          w.kernel[((c * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + c];
        }
  const Tensor b = keras_weight(layer, "bias");
  w.bias.assign(b.values().begin(), b.values().end());
  fold_following_batch_norm(g, node, fn, w, co);
  std::vector<std::string> inputs{in.name, g.add_initializer(w.kernel_name, {co, ci, kh, kw}, w.kernel)};
  if (!w.bias.empty()) inputs.push_back(g.add_initializer(w.bias_name, {co}, w.bias));
  const auto pads = layer.pads();  // top, left, bottom, right = ONNX's order
  finish_with_activation(g, node, fn, ValueLayout::Nchw, [&](const std::string& out) -> onnx::NodeProto& {
    auto& n = g.add_node("Conv", inputs, out);
    set_ints(n, "kernel_shape", {kh, kw});
    set_ints(n, "strides", {o.strides[0], o.strides[1]});
    set_ints(n, "pads", {pads[0], pads[1], pads[2], pads[3]});
    if (o.dilation_rate != std::array<int64_t, 2>{1, 1}) set_ints(n, "dilations", {o.dilation_rate[0], o.dilation_rate[1]});
    if (o.groups != 1) set_int(n, "group", o.groups);
    return n;
  });
}

// Gemm with transB=1 and the kernel stored [out, in]: OpenCV 4.6's importer
// rejects a biased Gemm with transB=0 (Keras's [in, out] as is).
void export_dense(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Dense&>(*node.layer);
  const ActivationFn fn = activation_from_string(layer.options().activation);
  const OnnxValue in = g.input(node, 0);
  const Tensor k = keras_weight(layer, "kernel"), b = keras_weight(layer, "bias");  // [in, out], [out]
  const int64_t n_in = k.dim(0), n_out = k.dim(1);
  ConvWeights w{.kernel = std::vector<float>(k.size()),
            .bias = {b.values().begin(), b.values().end()},
            .kernel_name = keras_name(layer, "kernel"),
            .bias_name = keras_name(layer, "bias")};
  for (int64_t i = 0; i < n_in; ++i)
    for (int64_t o = 0; o < n_out; ++o) w.kernel[o * n_in + i] = k[i * n_out + o];
  fold_following_batch_norm(g, node, fn, w, n_out);
  std::vector<std::string> inputs{in.name, g.add_initializer(w.kernel_name, {n_out, n_in}, w.kernel)};
  if (!w.bias.empty()) inputs.push_back(g.add_initializer(w.bias_name, {n_out}, w.bias));
  finish_with_activation(g, node, fn, ValueLayout::Plain, [&](const std::string& out) -> onnx::NodeProto& {
    auto& n = g.add_node("Gemm", inputs, out);  // Y = X K^T + b
    set_int(n, "transB", 1);
    return n;
  });
}

// ONNX normalizes axis 1: the channels of an NCHW image or of [N, F]. Another
// axis is swapped with axis 1 by a Transpose before and after (the permutation
// is its own inverse).
void export_batch_normalization(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const BatchNormalization&>(*node.layer);
  if (g.folded(&node)) return g.alias(node, g.input(node, 0));
  const int sample_axis = layer.resolved_axis() - 1;
  const bool channels = sample_axis + 1 == static_cast<int>(layer.input_shape().size());
  const OnnxValue in = g.input(node, 0, channels ? Want::Nchw : Want::Any);
  const int64_t axis = onnx_axis(sample_axis, in.layout);
  const int64_t c = layer.input_shape()[static_cast<size_t>(sample_axis)];
  auto weight = [&](const std::string& name, float fill) {
    const Tensor t = keras_weight(layer, name);
    if (!t.empty()) return g.add_initializer(keras_name(layer, name), {c}, t.values());
    // center=False / scale=False: Keras has no such weight; a constant stands in.
    const std::vector<float> constant(c, fill);
    return g.add_initializer(layer.name() + "/" + name + "_constant", {c}, constant);
  };
  std::vector<int64_t> swap(layer.input_shape().size() + 1);
  for (size_t i = 0; i < swap.size(); ++i) swap[i] = static_cast<int64_t>(i);
  std::swap(swap[1], swap[static_cast<size_t>(axis)]);
  std::string x = in.name;
  if (axis != 1) set_ints(g.add_node("Transpose", {in.name}, x = g.fresh(node.output + "/axis_first")), "perm", swap);
  std::vector<std::string> inputs{x, weight("gamma", 1.0f), weight("beta", 0.0f), weight("moving_mean", 0.0f),
                                  weight("moving_variance", 1.0f)};
  const std::string normalized = axis == 1 ? g.output(node, in.layout) : g.fresh(node.output + "/normalized");
  set_float(g.add_node("BatchNormalization", inputs, normalized), "epsilon", layer.options().epsilon);
  if (axis != 1) set_ints(g.add_node("Transpose", {normalized}, g.output(node, in.layout)), "perm", swap);
}

}  // namespace petal::detail
