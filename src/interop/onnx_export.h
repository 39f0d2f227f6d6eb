// The neutral graph that ONNX export works from: layers in topological order with
// the names of the values they read and write (Sequential gives a chain).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "petal/interop/onnx.h"
#include "petal/layers/layer.h"

namespace petal::detail {

// One layer of the graph: it reads `inputs` (graph inputs or other nodes'
// outputs, by name) and writes the value `output` (by convention its layer name).
struct ExportNode {
  const Layer* layer = nullptr;
  std::vector<std::string> inputs{};
  std::string output{};
};

struct ExportInput {
  std::string name{};
  Shape shape{};  // per sample, Keras layout ([H, W, C] or [F])
};

struct ExportGraph {
  std::string name{};
  std::vector<ExportInput> inputs{};
  std::vector<ExportNode> nodes{};     // topological order: inputs come first
  std::vector<std::string> outputs{};  // node outputs that the graph returns
};

// The model's nodes in topological order (Sequential: a chain whose input is
// named "<first layer>_input" as Keras names it).
ExportGraph export_graph(const Model& model);

// Writes `graph` as an ONNX model (src/interop/onnx/onnx_writer.cpp); only
// built with PETAL_WITH_ONNX.
void write_onnx(const ExportGraph& graph, const std::filesystem::path& path, const OnnxOptions& options);

}  // namespace petal::detail
