// Merge layers: Keras's names, shape rules and configs.
#include "petal/layers/merge.h"

#include <nlohmann/json.hpp>

#include "layers/config_json.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

namespace {

constexpr const char* kTypes[] = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"};
constexpr const char* kPrefixes[] = {"add", "subtract", "multiply", "average", "maximum", "minimum"};

std::string shapes_list(const std::vector<Shape>& shapes) {
  std::string s;
  for (size_t i = 0; i < shapes.size(); ++i) s += (i == 0 ? "" : i + 1 == shapes.size() ? " and " : ", ") + to_string(shapes[i]);
  return s;
}

}  // namespace

Merge::Merge(MergeOp op, MergeOptions options) : Layer(std::move(options.name), {}), op_(op) {}

std::string Merge::type() const { return kTypes[static_cast<int>(op_)]; }
std::string Merge::name_prefix() const { return kPrefixes[static_cast<int>(op_)]; }

Shape Merge::do_build_inputs(const std::vector<Shape>& in, Rng&) {
  if (in.size() < 2) fail("a list of at least 2 inputs", std::to_string(in.size()) + " input");
  if (op_ == MergeOp::Subtract && in.size() != 2) fail("exactly 2 inputs", std::to_string(in.size()) + " inputs");
  for (const Shape& s : in) {
    if (s != in[0]) fail("inputs of one shape", shapes_list(in));
  }
  return in[0];
}

std::string Merge::config_json() const { return detail::base_config(*this).dump(); }

Concatenate::Concatenate(ConcatenateOptions options) : Layer(options.name, {}), options_(std::move(options)) {}

Shape Concatenate::do_build_inputs(const std::vector<Shape>& in, Rng&) {
  if (in.size() < 2) fail("a list of at least 2 inputs", std::to_string(in.size()) + " input");
  const int rank = static_cast<int>(in[0].size()) + 1;  // with the batch
  const int axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (axis <= 0 || axis >= rank) {
    fail("axis in [1, " + std::to_string(rank - 1) + "] or [-" + std::to_string(rank - 1) + ", -1] (not the batch)",
         "axis=" + std::to_string(options_.axis));
  }
  sample_axis_ = axis - 1;
  Shape out = in[0];
  out[sample_axis_] = 0;
  for (const Shape& s : in) {
    bool match = s.size() == in[0].size();
    for (size_t d = 0; match && d < s.size(); ++d) match = static_cast<int>(d) == sample_axis_ || s[d] == in[0][d];
    if (!match) fail("inputs whose shapes match except along axis " + std::to_string(options_.axis), shapes_list(in));
    out[sample_axis_] += s[sample_axis_];
  }
  return out;
}

std::string Concatenate::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["axis"] = options_.axis;
  return j.dump();
}

std::unique_ptr<Layer> detail::merge_from_config(MergeOp op, const nlohmann::json& j) {
  return std::make_unique<Merge>(op, MergeOptions{j.at("name").get<std::string>()});
}

std::unique_ptr<Layer> detail::concatenate_from_config(const nlohmann::json& j) {
  return std::make_unique<Concatenate>(ConcatenateOptions{j.value("axis", -1), j.at("name").get<std::string>()});
}

}  // namespace petal
