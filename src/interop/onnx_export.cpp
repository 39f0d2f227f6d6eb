// save_onnx: a model as the neutral export graph, handed to the ONNX writer
// (or refused with a clear error when petal was built without ONNX).
#include "interop/onnx_export.h"

#include "model/model_impl.h"
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

// A Sequential is the chain input -> layer 1 -> ... -> layer n, its input named
// "<first layer>_input" as Keras names it; a functional model's values are
// named after their layers (a later call of a shared layer: "<layer>_<call>").
ExportGraph export_graph(const Model& model) {
  const auto layers = model.layers();
  if (!model.built() || layers.empty()) {
    throw StateError("save_onnx(" + model.name() + "): expected a built model with at least one layer; received " +
                     (layers.empty() ? "no layers." : "an unbuilt model.") +
                     "\nHint: give the input shape (SequentialOptions::input_shape) or call build().");
  }
  const Model::Impl& m = model.impl();
  ExportGraph g{.name = model.name()};
  std::vector<std::string> value(m.nodes.size());
  for (size_t k = 0; k < m.nodes.size(); ++k) {
    const Layer* layer = m.node_layers[k];
    if (!m.nodes[k].layer) {
      value[k] = m.sequential ? layers.front()->name() + "_input" : layer->name();
      g.inputs.push_back({value[k], m.nodes[k].shape});
      continue;
    }
    value[k] = layer->name() + (m.node_calls[k] > 0 ? "_" + std::to_string(m.node_calls[k]) : "");
    ExportNode node{.layer = layer, .inputs = {}, .output = value[k]};
    for (int i : m.nodes[k].inputs) node.inputs.push_back(value[i]);
    g.nodes.push_back(node);
  }
  for (int o : m.output_nodes) g.outputs.push_back(value[o]);
  return g;
}

}  // namespace detail

void Model::save_onnx(const std::filesystem::path& path, const OnnxOptions& options) const {
  petal::save_onnx(*this, path, options);
}

void save_onnx(const Model& model, const std::filesystem::path& path, const OnnxOptions& options) {
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
