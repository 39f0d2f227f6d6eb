// save_onnx: a Sequential as the neutral export graph, handed to the ONNX writer
// (or refused with a clear error when petal was built without ONNX).
#include "interop/onnx_export.h"

#include "petal/core/error.h"

namespace petal {

OnnxLayout onnx_layout_from_string(const std::string& name) {
  if (name == "nhwc") return OnnxLayout::Nhwc;
  if (name == "nchw") return OnnxLayout::Nchw;
  throw ConfigError("ONNX layout: expected 'nhwc' or 'nchw'; received '" + name + "'.");
}

std::string to_string(OnnxLayout layout) { return layout == OnnxLayout::Nhwc ? "nhwc" : "nchw"; }

bool onnx_export_available() {
#ifdef PETAL_WITH_ONNX
  return true;
#else
  return false;
#endif
}

namespace detail {

ExportGraph export_graph(const Sequential& model) {
  const auto layers = model.layers();
  if (!model.built() || layers.empty()) {
    throw StateError("save_onnx(" + model.name() + "): expected a built model with at least one layer; received " +
                     (layers.empty() ? "no layers." : "an unbuilt model.") +
                     "\nHint: give the input shape (SequentialOptions::input_shape) or call build().");
  }
  ExportGraph g{.name = model.name(), .inputs = {{layers.front()->name() + "_input", model.input_shape()}}};
  std::string previous = g.inputs.front().name;
  for (const Layer* layer : layers) {
    g.nodes.push_back({.layer = layer, .inputs = {previous}, .output = layer->name()});
    previous = layer->name();
  }
  g.outputs = {previous};
  return g;
}

}  // namespace detail

void save_onnx(const Sequential& model, const std::filesystem::path& path, const OnnxOptions& options) {
  if (options.opset < 13 || options.opset > 17) {
    throw ConfigError("save_onnx('" + path.string() + "'): expected opset 13 to 17; received " +
                      std::to_string(options.opset) +
                      ".\nHint: Softmax over one axis needs opset 13; libonnx 1.12 knows up to 17.");
  }
  const detail::ExportGraph graph = detail::export_graph(model);
#ifdef PETAL_WITH_ONNX
  detail::write_onnx(graph, path, options);
#else
  throw ConfigError("save_onnx('" + path.string() + "'): this petal was built without ONNX export." +
                    "\nHint: install libonnx-dev and libprotobuf-dev (scripts/setup) and reconfigure.");
#endif
}

}  // namespace petal
