// Layer construction from saved configs.
#include "layers/layer_factory.h"

#include <nlohmann/json.hpp>

#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/input_layer.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"

namespace petal::detail {

namespace {

using nlohmann::json;

std::array<int64_t, 2> pair_of(const json& j, const char* key) { return j.at(key).get<std::array<int64_t, 2>>(); }

Shape input_shape_of(const json& j) { return j.contains("input_shape") ? j["input_shape"].get<Shape>() : Shape{}; }

std::unique_ptr<Layer> build(const std::string& type, const json& j) {
  const std::string name = j.at("name").get<std::string>();
  const Shape in = input_shape_of(j);
  if (type == "Conv2D") return conv2d_from_config(j);
  if (type == "DepthwiseConv2D") return depthwise_conv2d_from_config(j);
  if (type == "SeparableConv2D") return separable_conv2d_from_config(j);
  if (type == "Conv2DTranspose") return conv2d_transpose_from_config(j);
  if (type == "UpSampling2D") return up_sampling2d_from_config(j);
  if (type == "ZeroPadding2D") return zero_padding2d_from_config(j);
  if (type == "Cropping2D") return cropping2d_from_config(j);
  if (type == "GlobalMaxPooling2D") return global_max_pooling2d_from_config(j);
  if (type == "Dense") {
    return std::make_unique<Dense>(DenseOptions{j.at("units").get<int64_t>(), j.at("activation").get<std::string>(),
                                                j.at("use_bias").get<bool>(), j.at("kernel_initializer").get<std::string>(),
                                                j.at("bias_initializer").get<std::string>(), j.value("kernel_l2", 0.0f),
                                                in, name});
  }
  if (type == "BatchNormalization") {
    return std::make_unique<BatchNormalization>(BatchNormalizationOptions{
        j.at("axis").get<int>(), j.at("momentum").get<float>(), j.at("epsilon").get<float>(),
        j.at("center").get<bool>(), j.at("scale").get<bool>(), in, name});
  }
  if (type == "MaxPooling2D" || type == "AveragePooling2D") {
    Pooling2DOptions o{pair_of(j, "pool_size"), pair_of(j, "strides"), padding_from_string(j.at("padding").get<std::string>()),
                       in, name};
    if (type == "MaxPooling2D") return std::make_unique<MaxPooling2D>(o);
    return std::make_unique<AveragePooling2D>(o);
  }
  if (type == "GlobalAveragePooling2D") return std::make_unique<GlobalAveragePooling2D>(GlobalAveragePooling2DOptions{in, name});
  if (type == "Flatten") return std::make_unique<Flatten>(FlattenOptions{in, name});
  if (type == "Dropout") {
    DropoutOptions o{j.at("rate").get<float>(), std::nullopt, in, name};
    if (j.contains("seed")) o.seed = j["seed"].get<uint64_t>();
    return std::make_unique<Dropout>(o);
  }
  if (type == "Activation") return std::make_unique<Activation>(ActivationOptions{j.at("activation").get<std::string>(), in, name});
  if (type == "InputLayer") return std::make_unique<InputLayer>(InputLayerOptions{j.at("shape").get<Shape>(), name});
  if (type == "Concatenate") return std::make_unique<Concatenate>(ConcatenateOptions{j.value("axis", -1), name});
  constexpr std::pair<const char*, MergeOp> merges[] = {{"Add", MergeOp::Add},         {"Subtract", MergeOp::Subtract},
                                                        {"Multiply", MergeOp::Multiply}, {"Average", MergeOp::Average},
                                                        {"Maximum", MergeOp::Maximum},   {"Minimum", MergeOp::Minimum}};
  for (const auto& [merge_type, op] : merges) {
    if (type == merge_type) return std::make_unique<Merge>(op, MergeOptions{name});
  }
  throw IoError("unknown layer type '" + type + "' in model file.");
}

}  // namespace

std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json) {
  try {
    return build(type, json::parse(config_json));
  } catch (const json::exception& e) {
    throw IoError("malformed config for layer type '" + type + "': " + e.what());
  }
}

}  // namespace petal::detail
