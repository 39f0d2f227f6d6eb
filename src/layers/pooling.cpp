// Pooling layers: options and shape inference.
#include "petal/layers/pooling.h"

#include "layers/config_json.h"
#include "layers/config_rules.h"
#include "layers/conv_common.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"
#include "petal/layers/conv2d.h"

namespace petal {

Pooling2D::Pooling2D(Pooling2DOptions options, bool max)
    : Layer(options.name, options.input_shape), options_(std::move(options)), max_(max) {
  for (int i = 0; i < 2; ++i) {
    if (options_.pool_size[i] <= 0 || options_.strides[i] < 0) {
      throw ConfigError(std::string(max ? "MaxPooling2D" : "AveragePooling2D") + "(name='" + options_.name +
                        "'): expected positive pool_size and strides; received pool_size (" +
                        std::to_string(options_.pool_size[0]) + ", " + std::to_string(options_.pool_size[1]) + ").");
    }
  }
}

std::array<int64_t, 2> Pooling2D::strides() const {
  const auto& s = options_.strides;
  return {s[0] ? s[0] : options_.pool_size[0], s[1] ? s[1] : options_.pool_size[1]};
}

std::array<int64_t, 4> Pooling2D::pads() const {
  const auto s = strides();
  const AxisGeometry h = axis_geometry(input_shape()[0], options_.pool_size[0], s[0], options_.padding);
  const AxisGeometry w = axis_geometry(input_shape()[1], options_.pool_size[1], s[1], options_.padding);
  return {h.pad_before, w.pad_before, h.pad_after, w.pad_after};
}

Shape Pooling2D::do_build(const Shape& in, Rng&) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  const auto s = strides();
  const AxisGeometry h = axis_geometry(in[0], options_.pool_size[0], s[0], options_.padding);
  const AxisGeometry w = axis_geometry(in[1], options_.pool_size[1], s[1], options_.padding);
  if (h.out <= 0 || w.out <= 0) {
    fail("input at least as large as pool_size (" + std::to_string(options_.pool_size[0]) + "x" +
             std::to_string(options_.pool_size[1]) + ")",
         to_keras_string(in));
  }
  return {h.out, w.out, in[2]};
}

std::string Pooling2D::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["pool_size"] = options_.pool_size;
  j["strides"] = strides();
  j["padding"] = to_string(options_.padding);
  return j.dump();
}

GlobalAveragePooling2D::GlobalAveragePooling2D(GlobalAveragePooling2DOptions options)
    : Layer(options.name, options.input_shape) {}

Shape GlobalAveragePooling2D::do_build(const Shape& in, Rng&) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  return {in[2]};
}

std::string GlobalAveragePooling2D::config_json() const { return detail::base_config(*this).dump(); }

GlobalMaxPooling2D::GlobalMaxPooling2D(GlobalMaxPooling2DOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  detail::require_channels_last(where(), options_.data_format);
}

Shape GlobalMaxPooling2D::do_build(const Shape& in, Rng&) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  return {in[2]};
}

std::string GlobalMaxPooling2D::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["data_format"] = options_.data_format;
  return j.dump();
}

std::unique_ptr<Layer> detail::global_max_pooling2d_from_config(const nlohmann::json& j) {
  GlobalMaxPooling2DOptions o;
  o.data_format = j.value("data_format", o.data_format);
  o.input_shape = input_shape_from_config(j);
  o.name = j.at("name").get<std::string>();
  return std::make_unique<GlobalMaxPooling2D>(std::move(o));
}

namespace {

Pooling2DOptions pooling_options(const nlohmann::json& j) {
  return {j.at("pool_size").get<std::array<int64_t, 2>>(), j.at("strides").get<std::array<int64_t, 2>>(),
          padding_from_string(j.at("padding").get<std::string>()), detail::input_shape_from_config(j),
          j.at("name").get<std::string>()};
}

}  // namespace

std::unique_ptr<Layer> detail::max_pooling2d_from_config(const nlohmann::json& j) {
  return std::make_unique<MaxPooling2D>(pooling_options(j));
}

std::unique_ptr<Layer> detail::average_pooling2d_from_config(const nlohmann::json& j) {
  return std::make_unique<AveragePooling2D>(pooling_options(j));
}

std::unique_ptr<Layer> detail::global_average_pooling2d_from_config(const nlohmann::json& j) {
  return std::make_unique<GlobalAveragePooling2D>(
      GlobalAveragePooling2DOptions{input_shape_from_config(j), j.at("name").get<std::string>()});
}

detail::JsonRule detail::pooling2d_config_rule() {
  return config_rule_with({{"pool_size", window_pair_rule(1)}, {"strides", window_pair_rule(1)},
                            {"padding", padding_rule()}});
}

std::optional<Shape> detail::pooling2d_walk(const nlohmann::json& j, const Shape& in, double&) {
  if (in.size() != 3) return Shape{};
  const auto k = j.at("pool_size").get<std::array<int64_t, 2>>();
  const auto s = pair_or(j, "strides", k);
  const Padding p = padding_from_string(j.at("padding").get<std::string>());
  return Shape{axis_geometry(in[0], k[0], s[0], p).out, axis_geometry(in[1], k[1], s[1], p).out, in[2]};
}

std::optional<Shape> detail::global_pooling2d_walk(const nlohmann::json&, const Shape& in, double&) {
  return in.size() == 3 ? Shape{in[2]} : Shape{};
}

}  // namespace petal
