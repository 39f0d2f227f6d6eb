// Exporters of the other convolutions: DepthwiseConv2D (Conv with one group per
// input channel), SeparableConv2D (that, then a 1x1 Conv) and Conv2DTranspose
// (ConvTranspose; TensorFlow's uneven cropping as Slice/Pad and the bias as an
// Add, since OpenCV 4.6 takes only symmetric pads and no output_padding, and a
// dilated kernel spread out with zeros, since it ignores dilations there).
#include "interop/onnx/onnx_layer_exporters.h"
#include "petal/layers/conv2d_transpose.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/separable_conv2d.h"

namespace petal::detail {

namespace {

// Keras's depthwise_kernel [kh, kw, in, dm] as ONNX's grouped Conv weight
// [in * dm, 1, kh, kw]: output channel c * dm + m filters input channel c.
std::vector<float> depthwise_onnx(const Tensor& k) {
  const int64_t kh = k.dim(0), kw = k.dim(1), ci = k.dim(2), dm = k.dim(3);
  std::vector<float> w(static_cast<size_t>(k.size()));
  for (int64_t y = 0; y < kh; ++y)
    for (int64_t x = 0; x < kw; ++x)
      for (int64_t c = 0; c < ci; ++c)
        for (int64_t m = 0; m < dm; ++m) w[((c * dm + m) * kh + y) * kw + x] = k[((y * kw + x) * ci + c) * dm + m];
  return w;
}

void set_conv_attributes(onnx::NodeProto& n, std::array<int64_t, 2> kernel, std::array<int64_t, 2> strides,
                         std::array<int64_t, 2> dilation, const std::array<int64_t, 4>& pads, int64_t group) {
  set_ints(n, "kernel_shape", {kernel[0], kernel[1]});
  set_ints(n, "strides", {strides[0], strides[1]});
  set_ints(n, "pads", {pads[0], pads[1], pads[2], pads[3]});
  if (dilation != std::array<int64_t, 2>{1, 1}) set_ints(n, "dilations", {dilation[0], dilation[1]});
  if (group != 1) set_int(n, "group", group);
}

std::vector<float> values_of(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

}  // namespace

void export_depthwise_conv2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const DepthwiseConv2D&>(*node.layer);
  const auto& o = layer.options();
  const ActivationFn fn = activation_from_string(o.activation);
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const Tensor k = keras_weight(layer, "depthwise_kernel");  // [kh, kw, in, dm]
  const int64_t ci = k.dim(2), co = ci * k.dim(3);
  ConvWeights w{depthwise_onnx(k), values_of(keras_weight(layer, "bias")), keras_name(layer, "depthwise_kernel"),
                keras_name(layer, "bias")};
  fold_following_batch_norm(g, node, fn, w, co);
  std::vector<std::string> inputs{in.name, g.add_initializer(w.kernel_name, {co, 1, k.dim(0), k.dim(1)}, w.kernel)};
  if (!w.bias.empty()) inputs.push_back(g.add_initializer(w.bias_name, {co}, w.bias));
  finish_with_activation(g, node, fn, ValueLayout::Nchw, [&](const std::string& out) -> onnx::NodeProto& {
    auto& n = g.add_node("Conv", inputs, out);
    set_conv_attributes(n, o.kernel_size, o.strides, o.dilation_rate, layer.pads(), ci);
    return n;
  });
}

void export_separable_conv2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const SeparableConv2D&>(*node.layer);
  const auto& o = layer.options();
  const ActivationFn fn = activation_from_string(o.activation);
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const Tensor dk = keras_weight(layer, "depthwise_kernel");  // [kh, kw, in, dm]
  const Tensor pk = keras_weight(layer, "pointwise_kernel");  // [1, 1, in * dm, filters]
  const int64_t ci = dk.dim(2), mid = ci * dk.dim(3), co = pk.dim(3);
  const std::string depthwise = g.fresh(node.output + "/depthwise");
  auto& d = g.add_node("Conv", {in.name, g.add_initializer(keras_name(layer, "depthwise_kernel"),
                                                           {mid, 1, dk.dim(0), dk.dim(1)}, depthwise_onnx(dk))},
                       depthwise);
  set_conv_attributes(d, o.kernel_size, o.strides, o.dilation_rate, layer.pads(), ci);
  ConvWeights w{std::vector<float>(static_cast<size_t>(pk.size())), values_of(keras_weight(layer, "bias")),
                keras_name(layer, "pointwise_kernel"), keras_name(layer, "bias")};
  for (int64_t i = 0; i < mid; ++i)
    for (int64_t c = 0; c < co; ++c) w.kernel[c * mid + i] = pk[i * co + c];
  fold_following_batch_norm(g, node, fn, w, co);
  std::vector<std::string> inputs{depthwise, g.add_initializer(w.kernel_name, {co, mid, 1, 1}, w.kernel)};
  if (!w.bias.empty()) inputs.push_back(g.add_initializer(w.bias_name, {co}, w.bias));
  finish_with_activation(g, node, fn, ValueLayout::Nchw, [&](const std::string& out) -> onnx::NodeProto& {
    auto& n = g.add_node("Conv", inputs, out);
    set_conv_attributes(n, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1);
    return n;
  });
}

// The full transposed convolution ((in - 1) * s + K per axis), cropped by
// pads() = {top, left, bottom, right}; a negative bottom/right appends rows
// that only the bias reaches.
void export_conv2d_transpose(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Conv2DTranspose&>(*node.layer);
  const auto& o = layer.options();
  const ActivationFn fn = activation_from_string(o.activation);
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const Tensor k = keras_weight(layer, "kernel");  // [kh, kw, filters, in]
  const int64_t kh = k.dim(0), kw = k.dim(1), co = k.dim(2), ci = k.dim(3);
  std::vector<float> w(static_cast<size_t>(k.size()));  // ONNX [in, filters, kh, kw]
  for (int64_t y = 0; y < kh; ++y)
    for (int64_t x = 0; x < kw; ++x)
      for (int64_t c = 0; c < co; ++c)
        for (int64_t i = 0; i < ci; ++i) w[((i * co + c) * kh + y) * kw + x] = k[((y * kw + x) * co + c) * ci + i];
  const Tensor b = keras_weight(layer, "bias");
  const auto p = layer.pads();
  const bool even = p[0] == p[2] && p[1] == p[3] && p[2] >= 0 && p[3] >= 0;
  std::string kernel;
  if (o.dilation_rate == std::array<int64_t, 2>{1, 1}) {
    kernel = g.add_initializer(keras_name(layer, "kernel"), {ci, co, kh, kw}, w);
  } else {  // OpenCV 4.6 ignores ConvTranspose's dilations: the kernel with zeros between its taps
    const int64_t dh = o.dilation_rate[0], dw = o.dilation_rate[1], eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
    std::vector<float> spread(static_cast<size_t>(ci * co * eh * ew), 0.0f);
    for (int64_t ic = 0; ic < ci * co; ++ic)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) spread[(ic * eh + y * dh) * ew + x * dw] = w[(ic * kh + y) * kw + x];
    kernel = g.add_constant(layer.name() + "/kernel_dilated", {ci, co, eh, ew}, spread);
  }
  const int64_t kh_onnx = (kh - 1) * o.dilation_rate[0] + 1, kw_onnx = (kw - 1) * o.dilation_rate[1] + 1;
  std::vector<std::string> inputs{in.name, kernel};
  if (even && !b.empty()) inputs.push_back(g.add_initializer(keras_name(layer, "bias"), {co}, b.values()));
  finish_with_activation(g, node, fn, ValueLayout::Nchw, [&](const std::string& out) -> onnx::NodeProto& {
    const std::string full = even ? out : g.fresh(node.output + "/full");
    auto& n = g.add_node("ConvTranspose", inputs, full);
    set_conv_attributes(n, {kh_onnx, kw_onnx}, o.strides, {1, 1}, even ? p : std::array<int64_t, 4>{}, 1);
    if (even) return n;
    const Shape& out_shape = layer.output_shape();
    std::string value = full;
    if (p[0] > 0 || p[1] > 0 || p[2] > 0 || p[3] > 0) {  // crop: rows [top, top + out_h) of the full output
      const std::string cropped = g.fresh(node.output + "/cropped");
      const int64_t top = std::max<int64_t>(p[0], 0), left = std::max<int64_t>(p[1], 0);
      const int64_t bottom = top + out_shape[0] - std::max<int64_t>(-p[2], 0);
      const int64_t right = left + out_shape[1] - std::max<int64_t>(-p[3], 0);
      g.add_node("Slice", {full, g.add_int64_constant(node.output + "/starts", {top, left}),
                           g.add_int64_constant(node.output + "/ends", {bottom, right}),
                           g.add_int64_constant(node.output + "/axes", {2, 3})},
                 cropped);
      value = cropped;
    }
    if (p[2] < 0 || p[3] < 0) {
      const std::string padded = g.fresh(node.output + "/padded");
      const int64_t down = std::max<int64_t>(-p[2], 0), across = std::max<int64_t>(-p[3], 0);
      set_string(g.add_node("Pad", {value, g.add_int64_constant(node.output + "/pads", {0, 0, 0, 0, 0, 0, down, across})},
                            padded),
                 "mode", "constant");
      value = padded;
    }
    if (b.empty()) return g.add_node("Identity", {value}, out);
    // [C, 1, 1]: OpenCV 4.6 broadcasts a constant of this shape over NCHW, not [1, C, 1, 1].
    return g.add_node("Add", {value, g.add_initializer(keras_name(layer, "bias"), {co, 1, 1}, b.values())}, out);
  });
}

}  // namespace petal::detail
