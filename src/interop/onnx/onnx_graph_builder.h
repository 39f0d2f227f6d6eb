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

inline Want want_of(ValueLayout layout) {
  return layout == ValueLayout::Nhwc ? Want::Nhwc : (layout == ValueLayout::Nchw ? Want::Nchw : Want::Any);
}

class OnnxGraphBuilder {
 public:
  OnnxGraphBuilder(const ExportGraph& graph, const OnnxOptions& options, onnx::GraphProto& proto);

  const OnnxOptions& options() const { return options_; }
  int opset() const { return options_.opset; }
  // Declares the graph inputs (in the layout the options ask for).
  void add_inputs();
  // Input i of `node` in the layout `want` (one Transpose per value and layout, shared).
  OnnxValue input(const ExportNode& node, size_t i, Want want = Want::Any);
  // The layout an elementwise op over all of `node`'s inputs (a merge) works in:
  // the image layout most of them already have (the first input's on a tie), so
  // that the fewest Transposes are needed; Plain for non-image values.
  ValueLayout common_layout(const ExportNode& node) const;
  // The name for the value that completes `node` (its layer name, unless the
  // node is a graph output needing a final Transpose); records it as the node's output.
  std::string output(const ExportNode& node, ValueLayout layout);
  // The node's output is `value` itself (Dropout, a folded BatchNormalization).
  void alias(const ExportNode& node, const OnnxValue& value);
  // A fresh value name derived from `base` (for values inside one layer's nodes).
  std::string fresh(const std::string& base);

  onnx::NodeProto& add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::string& output, const std::string& name = {});
  // A float initializer named `name` (a Keras weight name). A second call with
  // the same name (a shared layer's next call) reuses the first initializer.
  std::string add_initializer(const std::string& name, const Shape& dims, std::span<const float> values);
  // A constant that is no Keras weight, named fresh("<base>_constant").
  std::string add_constant(const std::string& base, const Shape& dims, std::span<const float> values);
  std::string add_scalar(const std::string& base, float value) { return add_constant(base, {}, std::span(&value, 1)); }
  std::string add_int64_constant(const std::string& base, const std::vector<int64_t>& values);

  // The node reading `node`'s output, when exactly one does and it is not a graph output.
  const ExportNode* sole_consumer(const ExportNode& node) const;
  // A node whose computation another node's exporter has taken over (folding).
  void mark_folded(const ExportNode* node) { folded_.insert(node); }
  bool folded(const ExportNode* node) const { return folded_.count(node) > 0; }

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
  onnx::TensorProto& new_initializer(const std::string& name, const Shape& dims);

  const ExportGraph& graph_;
  OnnxOptions options_;
  onnx::GraphProto& proto_;
  std::set<std::string> used_;
  std::map<std::string, OnnxValue> values_;                        // export value -> ONNX value
  std::map<std::pair<std::string, ValueLayout>, std::string> transposes_;  // cache
  std::set<const ExportNode*> folded_;
  std::set<std::string> initializers_;
  std::map<std::string, Shape> keras_shapes_;  // export value -> per-sample Keras shape
};

// Attributes on a node.
void set_int(onnx::NodeProto& node, const std::string& name, int64_t value);
void set_float(onnx::NodeProto& node, const std::string& name, float value);
void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values);
void set_string(onnx::NodeProto& node, const std::string& name, const std::string& value);

// ONNX dims of a per-sample Keras shape with batch "N" left out: [H, W, C] ->
// [H, W, C] or [C, H, W]; others unchanged.
std::vector<int64_t> onnx_dims(const Shape& keras_shape, ValueLayout layout);
ValueLayout layout_of_rank(size_t per_sample_rank, ValueLayout image_layout);
// The ONNX axis (batch 0) of per-sample Keras axis `sample_axis` (0-based) of a
// value in `layout`: [H, W, C] is [C, H, W] in Nchw.
int64_t onnx_axis(int sample_axis, ValueLayout layout);

}  // namespace petal::detail
