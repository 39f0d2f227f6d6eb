// Exporters of the layers that move or rescale values: Reshape and Permute (on
// Keras's element order, so NHWC), ZeroPadding2D (Pad), Cropping2D (Slice),
// UpSampling2D (Resize: nearest with asymmetric coordinates and floor, which is
// out[i] = in[floor(i / size)]; bilinear with half_pixel, TensorFlow 2's rule),
// and Rescaling (Mul, Add).
#include "interop/onnx/onnx_layer_exporters.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/reshaping.h"
#include "petal/layers/rescaling.h"
#include "petal/layers/up_sampling2d.h"

namespace petal::detail {

void export_reshape(OnnxGraphBuilder& g, const ExportNode& node) {
  const Shape& target = node.layer->output_shape();
  const OnnxValue in = g.input(node, 0, Want::Nhwc);
  std::vector<int64_t> shape{0};  // the batch, copied (as emit_flatten says)
  shape.insert(shape.end(), target.begin(), target.end());
  const std::string dims = g.add_int64_constant(node.output + "/shape", shape);
  g.add_node("Reshape", {in.name, dims}, g.output(node, layout_of_rank(target.size(), ValueLayout::Nhwc)));
}

void export_permute(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const Permute&>(*node.layer);
  const OnnxValue in = g.input(node, 0, Want::Nhwc);
  std::vector<int64_t> perm{0};
  for (int d : layer.options().dims) perm.push_back(d);
  const ValueLayout layout = layout_of_rank(layer.output_shape().size(), ValueLayout::Nhwc);
  set_ints(g.add_node("Transpose", {in.name}, g.output(node, layout)), "perm", perm);
}

void export_zero_padding2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const Sides2D p = dynamic_cast<const ZeroPadding2D&>(*node.layer).options().padding;
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const std::string pads = g.add_int64_constant(node.output + "/pads", {0, 0, p.top, p.left, 0, 0, p.bottom, p.right});
  set_string(g.add_node("Pad", {in.name, pads}, g.output(node, ValueLayout::Nchw)), "mode", "constant");
}

void export_cropping2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const Sides2D c = dynamic_cast<const Cropping2D&>(*node.layer).options().cropping;
  const Shape& in_shape = node.layer->input_shape();
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const std::string starts = g.add_int64_constant(node.output + "/starts", {c.top, c.left});
  const std::string ends = g.add_int64_constant(node.output + "/ends", {in_shape[0] - c.bottom, in_shape[1] - c.right});
  const std::string axes = g.add_int64_constant(node.output + "/axes", {2, 3});
  g.add_node("Slice", {in.name, starts, ends, axes}, g.output(node, ValueLayout::Nchw));
}

void export_up_sampling2d(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& layer = dynamic_cast<const UpSampling2D&>(*node.layer);
  const auto size = layer.options().size;
  const OnnxValue in = g.input(node, 0, Want::Nchw);
  const std::vector<float> scales{1.0f, 1.0f, static_cast<float>(size[0]), static_cast<float>(size[1])};
  const std::string s = g.add_constant(node.output + "/scales", {4}, scales);
  auto& n = g.add_node("Resize", {in.name, "", s}, g.output(node, ValueLayout::Nchw));
  if (layer.bilinear()) {
    set_string(n, "mode", "linear");
    set_string(n, "coordinate_transformation_mode", "half_pixel");
  } else {
    set_string(n, "mode", "nearest");
    set_string(n, "coordinate_transformation_mode", "asymmetric");
    set_string(n, "nearest_mode", "floor");
  }
}

void export_rescaling(OnnxGraphBuilder& g, const ExportNode& node) {
  const auto& o = dynamic_cast<const Rescaling&>(*node.layer).options();
  const OnnxValue in = g.input(node, 0);
  if (o.scale == 1.0f && o.offset == 0.0f) return g.alias(node, in);
  const std::string out = g.output(node, in.layout);
  const std::string scaled = o.offset == 0.0f ? out : g.fresh(node.output + "/scaled");
  if (o.scale != 1.0f) {
    g.add_node("Mul", {in.name, g.add_scalar(node.output + "/scale", o.scale)}, scaled);
  }
  if (o.offset != 0.0f) {
    g.add_node("Add", {o.scale != 1.0f ? scaled : in.name, g.add_scalar(node.output + "/offset", o.offset)}, out);
  }
}

}  // namespace petal::detail
