// write_onnx: the ModelProto (opset, IR version, graph from the exporter table),
// checked by ONNX's checker and strict shape inference against petal's shapes.
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include "interop/onnx/onnx_graph_builder.h"
#include "interop/onnx/onnx_layer_exporters.h"
#include "petal/core/error.h"
#include "petal/io/atomic_file.h"

namespace petal::detail {

namespace {

// The IR version that came with each opset (onnx/helper.py's VERSION_TABLE).
int64_t ir_version(int opset) { return opset <= 14 ? 7 : 8; }

std::string where(const std::filesystem::path& path) { return "save_onnx('" + path.string() + "')"; }

[[noreturn]] void export_bug(const std::filesystem::path& path, const std::string& what) {
  throw ConfigError(where(path) + ": " + what + "\nHint: this is a bug in petal's ONNX export; please report it.");
}

std::string dims_string(const onnx::TensorShapeProto& shape) {
  std::string s = "[";
  for (const auto& d : shape.dim()) {
    s += (s.size() > 1 ? ", " : "") + (d.has_dim_value() ? std::to_string(d.dim_value()) : d.dim_param());
  }
  return s + "]";
}

// The batch is "N", or a symbol shape inference made up where it cannot carry
// "N" through an op (Resize: N * 1.0 is a fresh unknown to it).
bool same_shape(const onnx::TensorShapeProto& inferred, const onnx::TensorShapeProto& expected) {
  if (inferred.dim_size() != expected.dim_size() || inferred.dim_size() == 0) return false;
  const auto& batch = inferred.dim(0);
  if (!batch.has_dim_param() || (batch.dim_param() != "N" && batch.dim_param().rfind("unk__", 0) != 0)) return false;
  for (int i = 1; i < inferred.dim_size(); ++i) {
    if (!inferred.dim(i).has_dim_value() || inferred.dim(i).dim_value() != expected.dim(i).dim_value()) return false;
  }
  return true;
}

// Runs ONNX's checker and strict shape inference, then compares the inferred
// shape of every layer's output with the layer's own output shape.
void validate(const onnx::ModelProto& model, const OnnxGraphBuilder& builder, const std::filesystem::path& path) {
  onnx::ModelProto inferred = model;
  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict=*/1));
  } catch (const std::exception& e) {
    export_bug(path, std::string("the graph fails ONNX's checks: ") + e.what());
  }
  std::map<std::string, const onnx::TensorShapeProto*> shapes;
  for (const auto& v : inferred.graph().value_info()) shapes[v.name()] = &v.type().tensor_type().shape();
  for (const auto& v : inferred.graph().output()) shapes[v.name()] = &v.type().tensor_type().shape();
  for (const auto& [node, value] : builder.produced()) {
    onnx::TensorShapeProto expected;
    expected.add_dim()->set_dim_param("N");
    for (int64_t d : onnx_dims(node->layer->output_shape(), value.layout)) expected.add_dim()->set_dim_value(d);
    auto it = shapes.find(value.name);
    if (it == shapes.end() || !same_shape(*it->second, expected)) {
      export_bug(path, node->layer->where() + ": ONNX infers " +
                           (it == shapes.end() ? std::string("no shape") : dims_string(*it->second)) + " for '" +
                           value.name + "'; expected " + dims_string(expected) + ".");
    }
  }
}

}  // namespace

void write_onnx(const ExportGraph& graph, const std::filesystem::path& path, const OnnxOptions& options) {
  onnx::ModelProto model;
  model.set_ir_version(ir_version(options.opset));
  model.set_producer_name("petal");
  model.set_producer_version(PETAL_VERSION);
  model.set_doc_string("Exported by petal: image input layout " + to_string(options.layout) +
                       (options.fold_batch_norm ? ", batch normalization folded where exact." : "."));
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);
  onnx::GraphProto& proto = *model.mutable_graph();
  proto.set_name(graph.name);

  OnnxGraphBuilder builder(graph, options, proto);
  builder.add_inputs();
  const auto& table = onnx_layer_exporters();
  for (const auto& node : graph.nodes) {
    auto it = table.find(node.layer->type());
    if (it == table.end()) {
      throw ConfigError(node.layer->where() + ": cannot be exported to ONNX; petal has no ONNX exporter for " +
                        node.layer->type() + " layers.");
    }
    it->second(builder, node);
  }
  builder.add_outputs();
  validate(model, builder, path);

  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    throw ConfigError(where(path) + ": protobuf could not serialize the model; expected it under 2 GB, ONNX's " +
                      "limit for a file without external data; received " + std::to_string(model.ByteSizeLong()) +
                      " bytes.");
  }
  write_file_atomically(path, bytes);
}

}  // namespace petal::detail
