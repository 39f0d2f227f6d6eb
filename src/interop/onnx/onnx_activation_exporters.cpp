// Exporters of activations: the activation functions (fused or an Activation
// layer), the activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax) and
// LayerNormalization. Forms OpenCV 4.6 lacks (Clip with min/max inputs,
// PRelu with a slope other than per channel) are written with ops it has.
#include <cmath>

#include "interop/onnx/onnx_layer_exporters.h"
#include "petal/core/error.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/layer_normalization.h"

namespace petal::detail {

namespace {

// Softmax's axis: Keras's last (channel) axis, as an ONNX axis of the value.
int64_t last_axis(ValueLayout layout, size_t sample_rank) {
  switch (layout) {
    case ValueLayout::Plain: return static_cast<int64_t>(sample_rank);
    case ValueLayout::Nhwc: return 3;
    case ValueLayout::Nchw: return 1;
  }
  return 1;
}

// min(x, m) for x >= 0 as m - Relu(m - x): exact for x >= m and within one ulp
// of m below; OpenCV 4.6 imports Clip only in its opset-6 form (attributes).
void emit_cap(OnnxGraphBuilder& g, const std::string& x, float m, const std::string& out) {
  const std::string cap = g.add_scalar(out + "/max_value", m);
  const std::string below = g.fresh(out + "/headroom"), relu = g.fresh(out + "/headroom_relu");
  g.add_node("Sub", {cap, x}, below);
  g.add_node("Relu", {below}, relu);
  g.add_node("Sub", {cap, relu}, out);
}

// 0.5 x (1 + erf(x / sqrt(2))), the exact form.
void emit_gelu(OnnxGraphBuilder& g, const std::string& x, const std::string& out) {
  const std::string scaled = g.fresh(out + "/scaled"), erf = g.fresh(out + "/erf");
  const std::string plus = g.fresh(out + "/erf_plus_one"), times = g.fresh(out + "/times_x");
  g.add_node("Div", {x, g.add_scalar(out + "/sqrt2", static_cast<float>(std::sqrt(2.0)))}, scaled);
  g.add_node("Erf", {scaled}, erf);
  g.add_node("Add", {erf, g.add_scalar(out + "/one", 1.0f)}, plus);
  g.add_node("Mul", {x, plus}, times);
  g.add_node("Mul", {times, g.add_scalar(out + "/half", 0.5f)}, out);
}

}  // namespace

void emit_activation(OnnxGraphBuilder& g, ActivationFn fn, const OnnxValue& in, const std::string& out,
                     size_t sample_rank) {
  switch (fn) {
    case ActivationFn::Relu: g.add_node("Relu", {in.name}, out); return;
    case ActivationFn::Sigmoid: g.add_node("Sigmoid", {in.name}, out); return;
    case ActivationFn::Tanh: g.add_node("Tanh", {in.name}, out); return;
    case ActivationFn::Elu: set_float(g.add_node("Elu", {in.name}, out), "alpha", 1.0f); return;
    case ActivationFn::LeakyRelu:
      set_float(g.add_node("LeakyRelu", {in.name}, out), "alpha", kLeakyReluSlope);
      return;
    case ActivationFn::Softmax:
      set_int(g.add_node("Softmax", {in.name}, out), "axis", last_axis(in.layout, sample_rank));
      return;
    case ActivationFn::Linear: g.add_node("Identity", {in.name}, out); return;
    case ActivationFn::HardSigmoid: {  // Keras 2: clip(0.2 x + 0.5, 0, 1), ONNX's defaults
      auto& node = g.add_node("HardSigmoid", {in.name}, out);
      set_float(node, "alpha", 0.2f);
      set_float(node, "beta", 0.5f);
      return;
    }
    case ActivationFn::Relu6: {
      const std::string relu = g.fresh(out + "/relu");
      g.add_node("Relu", {in.name}, relu);
      emit_cap(g, relu, 6.0f, out);
      return;
    }
    case ActivationFn::Swish: {  // x * sigmoid(x)
      const std::string sigmoid = g.fresh(out + "/sigmoid");
      g.add_node("Sigmoid", {in.name}, sigmoid);
      g.add_node("Mul", {in.name, sigmoid}, out);
      return;
    }
    case ActivationFn::Gelu: emit_gelu(g, in.name, out); return;
  }
}

void export_activation(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Activation&>(*node.layer);
  const OnnxValue in = g.input(node, 0);
  if (layer.fn() == ActivationFn::Linear) return g.alias(node, in);
  emit_activation(g, layer.fn(), in, g.output(node, in.layout), layer.input_shape().size());
}

// Keras's relu(x, alpha, max_value, threshold): x > threshold ? min(x, max_value)
// : negative_slope * (x - threshold), i.e. min(ThresholdedRelu(x), max_value)
// - negative_slope * Relu(threshold - x).
void export_relu(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& o = dynamic_cast<const ReLU&>(*node.layer).options();
  const OnnxValue in = g.input(node, 0);
  const std::string out = g.output(node, in.layout);
  if (o.threshold == 0.0f && !o.max_value) {
    if (o.negative_slope == 0.0f) {
      g.add_node("Relu", {in.name}, out);
    } else {
      set_float(g.add_node("LeakyRelu", {in.name}, out), "alpha", o.negative_slope);
    }
    return;
  }
  const bool slope = o.negative_slope != 0.0f;
  std::string positive = g.fresh(out + "/positive");
  if (o.threshold == 0.0f) {
    g.add_node("Relu", {in.name}, positive);
  } else {
    set_float(g.add_node("ThresholdedRelu", {in.name}, positive), "alpha", o.threshold);
  }
  const std::string capped = slope ? g.fresh(out + "/capped") : out;
  if (o.max_value) {
    emit_cap(g, positive, *o.max_value, capped);
  } else {
    g.add_node("Identity", {positive}, capped);
  }
  if (!slope) return;
  const std::string below = g.fresh(out + "/below"), below_relu = g.fresh(out + "/below_relu");
  const std::string scaled = g.fresh(out + "/below_scaled");
  g.add_node("Sub", {g.add_scalar(out + "/threshold", o.threshold), in.name}, below);
  g.add_node("Relu", {below}, below_relu);
  g.add_node("Mul", {below_relu, g.add_scalar(out + "/negative_slope", o.negative_slope)}, scaled);
  g.add_node("Sub", {capped, scaled}, out);
}

void export_leaky_relu(OnnxGraphBuilder& g, const ExportNode& node) {
  const OnnxValue in = g.input(node, 0);
  set_float(g.add_node("LeakyRelu", {in.name}, g.output(node, in.layout)), "alpha",
            dynamic_cast<const LeakyReLU&>(*node.layer).alpha());
}

void export_elu(OnnxGraphBuilder& g, const ExportNode& node) {
  const OnnxValue in = g.input(node, 0);
  set_float(g.add_node("Elu", {in.name}, g.output(node, in.layout)), "alpha",
            dynamic_cast<const ELU&>(*node.layer).alpha());
}

void export_softmax(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Softmax&>(*node.layer);
  const OnnxValue in = g.input(node, 0);
  const int rank = static_cast<int>(layer.input_shape().size());
  const int sample_axis = (layer.axis() < 0 ? layer.axis() + rank + 1 : layer.axis()) - 1;
  set_int(g.add_node("Softmax", {in.name}, g.output(node, in.layout)), "axis", onnx_axis(sample_axis, in.layout));
}

// One slope per channel of an image, or per feature of [N, F]: ONNX PRelu
// (OpenCV 4.6 reads its slope per channel only). Any other slope shape:
// Relu(x) - alpha * Relu(-x), alpha spread over the whole per-sample shape
// (OpenCV 4.6 broadcasts a constant of that shape, not of the Keras shape).
void export_prelu(OnnxGraphBuilder& g, const ExportNode& node) {
  const Layer& layer = *node.layer;
  const Tensor alpha = keras_weight(layer, "alpha");  // per-sample shape, shared axes 1
  const Shape& in_shape = layer.input_shape();
  const OnnxValue in = g.input(node, 0, in_shape.size() == 3 ? Want::Nchw : Want::Any);
  const std::string out = g.output(node, in.layout);
  const bool per_channel = in_shape.size() == 1 || (in_shape.size() == 3 && alpha.dim(0) == 1 && alpha.dim(1) == 1);
  if (per_channel) {
    const int64_t c = in_shape.back();
    const Shape dims = in_shape.size() == 3 ? Shape{c, 1, 1} : Shape{c};
    g.add_node("PRelu", {in.name, g.add_initializer(keras_name(layer, "alpha"), dims, alpha.values())}, out);
    return;
  }
  std::vector<float> full;
  const Shape dims = onnx_dims(in_shape, in.layout);
  int64_t total = 1;
  for (int64_t d : in_shape) total *= d;
  for (int64_t i = 0; i < total; ++i) {  // i runs over the value's own (ONNX) order
    std::vector<int64_t> at(in_shape.size());  // Keras index
    int64_t rest = i;
    if (in.layout == ValueLayout::Nchw) {
      const int64_t h = in_shape[0], w = in_shape[1];
      at = {(rest / w) % h, rest % w, rest / (h * w)};
    } else {
      for (size_t k = in_shape.size(); k-- > 0;) at[k] = rest % in_shape[k], rest /= in_shape[k];
    }
    int64_t a = 0;
    for (size_t k = 0; k < at.size(); ++k) a = a * alpha.dim(static_cast<int>(k)) + (alpha.dim(static_cast<int>(k)) == 1 ? 0 : at[k]);
    full.push_back(alpha[a]);
  }
  const std::string pos = g.fresh(out + "/positive"), neg = g.fresh(out + "/negated");
  const std::string neg_relu = g.fresh(out + "/negative_part"), scaled = g.fresh(out + "/negative_scaled");
  g.add_node("Relu", {in.name}, pos);
  g.add_node("Neg", {in.name}, neg);
  g.add_node("Relu", {neg}, neg_relu);
  g.add_node("Mul", {neg_relu, g.add_constant(layer.name() + "/alpha_spread", dims, full)}, scaled);
  g.add_node("Sub", {pos, scaled}, out);
}

}  // namespace petal::detail
