// OnnxGraphBuilder: names, initializers, value layouts and layout Transposes.
#include "interop/onnx/onnx_graph_builder.h"

#include <algorithm>
#include <cstring>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

// float32 values as raw_data: little-endian, as float32 is in memory on every
// target petal builds for.
void set_float_values(onnx::TensorProto& t, std::span<const float> values) {
  t.set_data_type(onnx::TensorProto::FLOAT);
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  t.set_raw_data(std::move(bytes));
}

std::vector<int64_t> permutation(ValueLayout to) {
  return to == ValueLayout::Nchw ? std::vector<int64_t>{0, 3, 1, 2} : std::vector<int64_t>{0, 2, 3, 1};
}

void set_tensor_type(onnx::ValueInfoProto& info, const Shape& keras_shape, ValueLayout layout) {
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("N");  // dynamic batch
  for (int64_t d : onnx_dims(keras_shape, layout)) shape->add_dim()->set_dim_value(d);
}

}  // namespace

std::vector<int64_t> onnx_dims(const Shape& s, ValueLayout layout) {
  if (layout == ValueLayout::Nchw) return {s[2], s[0], s[1]};
  return std::vector<int64_t>(s.begin(), s.end());
}

ValueLayout layout_of_rank(size_t per_sample_rank, ValueLayout image_layout) {
  return per_sample_rank == 3 ? image_layout : ValueLayout::Plain;
}

int64_t onnx_axis(int sample_axis, ValueLayout layout) {
  if (layout != ValueLayout::Nchw) return sample_axis + 1;
  return sample_axis == 2 ? 1 : sample_axis + 2;  // C -> 1, H -> 2, W -> 3
}

OnnxGraphBuilder::OnnxGraphBuilder(const ExportGraph& graph, const OnnxOptions& options, onnx::GraphProto& proto)
    : graph_(graph), options_(options), proto_(proto) {
  // Layer and input names are reserved: fresh() never hands them out.
  for (const auto& in : graph_.inputs) {
    used_.insert(in.name);
    keras_shapes_[in.name] = in.shape;
  }
  for (const auto& node : graph_.nodes) {
    if (!used_.insert(node.output).second) {
      throw ConfigError(node.layer->where() + ": expected a unique layer name for ONNX export; '" + node.output +
                        "' is used twice.");
    }
    keras_shapes_[node.output] = node.layer->output_shape();
  }
}

ValueLayout OnnxGraphBuilder::image_layout() const {
  return options_.layout == OnnxLayout::Nhwc ? ValueLayout::Nhwc : ValueLayout::Nchw;
}

void OnnxGraphBuilder::add_inputs() {
  for (const auto& in : graph_.inputs) {
    const ValueLayout layout = layout_of_rank(in.shape.size(), image_layout());
    onnx::ValueInfoProto& info = *proto_.add_input();
    info.set_name(in.name);
    set_tensor_type(info, in.shape, layout);
    values_[in.name] = {in.name, layout};
  }
}

const OnnxValue& OnnxGraphBuilder::lookup(const std::string& value, const ExportNode& reader) const {
  auto it = values_.find(value);
  if (it == values_.end()) {
    throw ConfigError(reader.layer->where() + ": expected its input '" + value +
                      "' to be a graph input or an earlier layer's output for ONNX export.");
  }
  return it->second;
}

OnnxValue OnnxGraphBuilder::input(const ExportNode& node, size_t i, Want want) {
  const OnnxValue& v = lookup(node.inputs.at(i), node);
  if (v.layout == ValueLayout::Plain || want == Want::Any) return v;
  const ValueLayout to = want == Want::Nhwc ? ValueLayout::Nhwc : ValueLayout::Nchw;
  if (v.layout == to) return v;
  return {transposed(v, to), to};
}

ValueLayout OnnxGraphBuilder::common_layout(const ExportNode& node) const {
  int nhwc = 0, nchw = 0;
  for (const auto& in : node.inputs) {
    const ValueLayout l = lookup(in, node).layout;
    nhwc += l == ValueLayout::Nhwc;
    nchw += l == ValueLayout::Nchw;
  }
  if (nhwc == 0 && nchw == 0) return ValueLayout::Plain;
  if (nhwc != nchw) return nhwc > nchw ? ValueLayout::Nhwc : ValueLayout::Nchw;
  return lookup(node.inputs.front(), node).layout;
}

std::string OnnxGraphBuilder::transposed(const OnnxValue& value, ValueLayout to) {
  auto [it, inserted] = transposes_.try_emplace({value.name, to});
  if (!inserted) return it->second;
  it->second = fresh(value.name + (to == ValueLayout::Nchw ? "_nchw" : "_nhwc"));
  set_ints(add_node("Transpose", {value.name}, it->second), "perm", permutation(to));
  return it->second;
}

std::string OnnxGraphBuilder::output(const ExportNode& node, ValueLayout layout) {
  const bool graph_output = std::count(graph_.outputs.begin(), graph_.outputs.end(), node.output) > 0;
  std::string name = node.output;
  if (graph_output && layout != ValueLayout::Plain && layout != image_layout()) {
    name = fresh(node.output + (layout == ValueLayout::Nchw ? "_nchw" : "_nhwc"));
  }
  values_[node.output] = {name, layout};
  return name;
}

void OnnxGraphBuilder::alias(const ExportNode& node, const OnnxValue& value) { values_[node.output] = value; }

std::string OnnxGraphBuilder::fresh(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_.count(name) > 0; ++i) name = base + "_" + std::to_string(i);
  used_.insert(name);
  return name;
}

onnx::NodeProto& OnnxGraphBuilder::add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                                            const std::string& output, const std::string& name) {
  onnx::NodeProto& n = *proto_.add_node();
  n.set_op_type(op_type);
  n.set_name(name.empty() ? output : name);
  for (const auto& in : inputs) n.add_input(in);
  n.add_output(output);
  return n;
}

onnx::TensorProto& OnnxGraphBuilder::new_initializer(const std::string& name, const Shape& dims) {
  initializers_.insert(name);
  onnx::TensorProto& t = *proto_.add_initializer();
  t.set_name(name);
  for (int64_t d : dims) t.add_dims(d);
  return t;
}

std::string OnnxGraphBuilder::add_initializer(const std::string& name, const Shape& dims,
                                              std::span<const float> values) {
  if (initializers_.count(name)) return name;  // a shared layer's weight, added at its first call
  if (!used_.insert(name).second) {
    throw ConfigError("ONNX export: initializer name '" + name + "' is used twice; expected unique weight names.");
  }
  set_float_values(new_initializer(name, dims), values);
  return name;
}

std::string OnnxGraphBuilder::add_constant(const std::string& base, const Shape& dims, std::span<const float> values) {
  const std::string name = fresh(base + "_constant");
  set_float_values(new_initializer(name, dims), values);
  return name;
}

std::string OnnxGraphBuilder::add_int64_constant(const std::string& base, const std::vector<int64_t>& values) {
  const std::string name = fresh(base + "_constant");
  onnx::TensorProto& t = new_initializer(name, {static_cast<int64_t>(values.size())});
  t.set_data_type(onnx::TensorProto::INT64);
  for (int64_t v : values) t.add_int64_data(v);
  return name;
}

const ExportNode* OnnxGraphBuilder::sole_consumer(const ExportNode& node) const {
  if (std::count(graph_.outputs.begin(), graph_.outputs.end(), node.output) > 0) return nullptr;
  const ExportNode* found = nullptr;
  int reads = 0;
  for (const auto& n : graph_.nodes) {
    const auto r = std::count(n.inputs.begin(), n.inputs.end(), node.output);
    if (r > 0) found = &n;
    reads += static_cast<int>(r);
  }
  return reads == 1 ? found : nullptr;
}

void OnnxGraphBuilder::add_outputs() {
  for (const auto& out : graph_.outputs) {
    const OnnxValue v = values_.at(out);
    const ValueLayout want = v.layout == ValueLayout::Plain ? ValueLayout::Plain : image_layout();
    if (v.layout != want) {
      set_ints(add_node("Transpose", {v.name}, out), "perm", permutation(want));
    } else if (v.name != out) {
      add_node("Identity", {v.name}, out);
    }
    onnx::ValueInfoProto& info = *proto_.add_output();
    info.set_name(out);
    set_tensor_type(info, keras_shapes_.at(out), want);
  }
}

std::vector<OnnxGraphBuilder::Produced> OnnxGraphBuilder::produced() const {
  std::vector<Produced> out;
  for (const auto& node : graph_.nodes) out.push_back({&node, values_.at(node.output)});
  return out;
}

void set_int(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_float(onnx::NodeProto& node, const std::string& name, float value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void set_string(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

}  // namespace petal::detail
