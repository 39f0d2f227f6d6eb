// Builds the ONNX GraphProto for an ExportGraph: unique names, initializers,
// and each value's layout (NHWC or NCHW), with Transposes inserted where needed.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "interop/onnx_export.h"

namespace petal::detail {

// How a value's ONNX dimensions relate to its Keras shape: Plain for anything
// but images (the same order), Nhwc or Nchw for 4-D image batches.
enum class ValueLayout { Plain, Nhwc, Nchw };
// What an exporter needs its input in: Any (elementwise ops), or one image layout.
enum class Want { Any, Nhwc, Nchw };

struct OnnxValue {
  std::string name;
  ValueLayout layout = ValueLayout::Plain;
};

class OnnxGraphBuilder {
 public:
  OnnxGraphBuilder(const ExportGraph& graph, const OnnxOptions& options, onnx::GraphProto& proto);

  const OnnxOptions& options() const { return options_; }
  // Declares the graph inputs (in the layout the options ask for).
  void add_inputs();
  // Input i of `node` in the layout `want` (one Transpose per value and layout, shared).
  OnnxValue input(const ExportNode& node, size_t i, Want want = Want::Any);
  // The name for the value that completes `node` (its layer name, unless the
  // node is a graph output needing a final Transpose); records it as the node's output.
  std::string output(const ExportNode& node, ValueLayout layout);
  // The node's output is `value` itself (Dropout, a folded BatchNormalization).
  void alias(const ExportNode& node, const OnnxValue& value);
  // A fresh value name derived from `base` (for values inside one layer's nodes).
  std::string fresh(const std::string& base);

  onnx::NodeProto& add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::string& output, const std::string& name = {});
  // A float initializer named `name` (unique; Keras's weight names are).
  std::string add_initializer(const std::string& name, const Shape& dims, std::span<const float> values);

  // The node reading `node`'s output, when exactly one does and it is not a graph output.
  const ExportNode* sole_consumer(const ExportNode& node) const;
  // A layer whose computation another layer's exporter has taken over (folding).
  void mark_folded(const Layer* layer) { folded_.insert(layer); }
  bool folded(const Layer* layer) const { return folded_.count(layer) > 0; }

  // Connects the graph outputs (Transpose or Identity where a value must be renamed).
  void add_outputs();
  // Every node's final value with its layout and Keras shape (for the shape check).
  struct Produced {
    const ExportNode* node;
    OnnxValue value;
  };
  std::vector<Produced> produced() const;

 private:
  ValueLayout image_layout() const;
  const OnnxValue& lookup(const std::string& value, const ExportNode& reader) const;
  std::string transposed(const OnnxValue& value, ValueLayout to);

  const ExportGraph& graph_;
  OnnxOptions options_;
  onnx::GraphProto& proto_;
  std::set<std::string> used_;
  std::map<std::string, OnnxValue> values_;                        // export value -> ONNX value
  std::map<std::pair<std::string, ValueLayout>, std::string> transposes_;  // cache
  std::set<const Layer*> folded_;
  std::map<std::string, Shape> keras_shapes_;  // export value -> per-sample Keras shape
};

// Attributes on a node.
void set_int(onnx::NodeProto& node, const std::string& name, int64_t value);
void set_float(onnx::NodeProto& node, const std::string& name, float value);
void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values);

// ONNX dims of a per-sample Keras shape with batch "N" left out: [H, W, C] ->
// [H, W, C] or [C, H, W]; others unchanged.
std::vector<int64_t> onnx_dims(const Shape& keras_shape, ValueLayout layout);
ValueLayout layout_of_rank(size_t per_sample_rank, ValueLayout image_layout);

}  // namespace petal::detail
