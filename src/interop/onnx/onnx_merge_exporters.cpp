// Exporters of the merge layers: elementwise Add (Sum), Subtract, Multiply,
// Average (Sum then a scale: OpenCV 4.6 has no Mean), Maximum, Minimum, and
// Concatenate with its axis mapped into the value's layout. The inputs are
// brought into one layout, the one most of them already have.
#include "interop/onnx/onnx_layer_exporters.h"
#include "petal/layers/merge.h"

namespace petal::detail {

namespace {

std::vector<std::string> inputs_in(OnnxGraphBuilder& g, const ExportNode& node, ValueLayout layout) {
  std::vector<std::string> names;
  for (size_t i = 0; i < node.inputs.size(); ++i) names.push_back(g.input(node, i, want_of(layout)).name);
  return names;
}

}  // namespace

void export_merge(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Merge&>(*node.layer);
  const ValueLayout layout = g.common_layout(node);
  const std::vector<std::string> in = inputs_in(g, node, layout);
  const std::string out = g.output(node, layout);
  switch (layer.op()) {
    case MergeOp::Add: g.add_node("Sum", in, out); return;
    case MergeOp::Subtract: g.add_node("Sub", in, out); return;
    case MergeOp::Maximum: g.add_node("Max", in, out); return;
    case MergeOp::Minimum: g.add_node("Min", in, out); return;
    case MergeOp::Multiply: {  // Mul is binary: a chain
      std::string acc = in[0];
      for (size_t i = 1; i < in.size(); ++i) {
        const std::string next = i + 1 == in.size() ? out : g.fresh(node.output + "/product");
        g.add_node("Mul", {acc, in[i]}, next);
        acc = next;
      }
      return;
    }
    case MergeOp::Average: {
      const std::string sum = g.fresh(node.output + "/sum");
      g.add_node("Sum", in, sum);
      const float scale = 1.0f / static_cast<float>(in.size());
      g.add_node("Mul", {sum, g.add_scalar(node.output + "/inverse_count", scale)}, out);
      return;
    }
  }
}

void export_concatenate(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Concatenate&>(*node.layer);
  const ValueLayout layout = g.common_layout(node);
  const std::vector<std::string> in = inputs_in(g, node, layout);
  set_int(g.add_node("Concat", in, g.output(node, layout)), "axis", onnx_axis(layer.sample_axis(), layout));
}

}  // namespace petal::detail
