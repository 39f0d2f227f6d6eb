// ZeroPadding2D and Cropping2D: options, shapes and model-file configs (the
// oneDNN reorder plan is in padding2d_plan.cpp).
#include "petal/layers/padding2d.h"

#include <nlohmann/json.hpp>

#include "layers/config_json.h"
#include "layers/conv_common.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

namespace {

std::string sides_string(const Sides2D& s) {
  return "((" + std::to_string(s.top) + ", " + std::to_string(s.bottom) + "), (" + std::to_string(s.left) + ", " +
         std::to_string(s.right) + "))";
}

void require_non_negative(const std::string& where, const char* what, const Sides2D& s) {
  if (s.top < 0 || s.bottom < 0 || s.left < 0 || s.right < 0) {
    throw ConfigError(where + ": expected non-negative " + what + "; received " + sides_string(s) + ".");
  }
}

// Keras writes ((top, bottom), (left, right)); an int or a pair is read too.
Sides2D sides_from_json(const nlohmann::json& v) {
  if (v.is_number_integer()) return {v.get<int64_t>()};
  if (v.size() == 2 && v[0].is_number_integer()) return {v[0].get<int64_t>(), v[1].get<int64_t>()};
  return {v.at(0).get<std::array<int64_t, 2>>(), v.at(1).get<std::array<int64_t, 2>>()};
}

nlohmann::json sides_to_json(const Sides2D& s) {
  return nlohmann::json::array({{s.top, s.bottom}, {s.left, s.right}});
}

}  // namespace

ZeroPadding2D::ZeroPadding2D(ZeroPadding2DOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  require_non_negative(where(), "padding", options_.padding);
  detail::require_channels_last(where(), options_.data_format);
}

Shape ZeroPadding2D::do_build(const Shape& in, Rng&) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  const Sides2D& p = options_.padding;
  return {in[0] + p.top + p.bottom, in[1] + p.left + p.right, in[2]};
}

std::string ZeroPadding2D::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["padding"] = sides_to_json(options_.padding);
  j["data_format"] = options_.data_format;
  return j.dump();
}

std::unique_ptr<Layer> detail::zero_padding2d_from_config(const nlohmann::json& j) {
  ZeroPadding2DOptions o;
  if (j.contains("padding")) o.padding = sides_from_json(j["padding"]);
  o.data_format = j.value("data_format", o.data_format);
  o.input_shape = input_shape_from_config(j);
  o.name = j.at("name").get<std::string>();
  return std::make_unique<ZeroPadding2D>(std::move(o));
}

Cropping2D::Cropping2D(Cropping2DOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  require_non_negative(where(), "cropping", options_.cropping);
  detail::require_channels_last(where(), options_.data_format);
}

Shape Cropping2D::do_build(const Shape& in, Rng&) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  const Sides2D& c = options_.cropping;
  const Shape out{in[0] - c.top - c.bottom, in[1] - c.left - c.right, in[2]};
  if (out[0] <= 0 || out[1] <= 0) {
    fail("an input larger than the cropping " + sides_string(c) + " on both axes", to_keras_string(in));
  }
  return out;
}

std::string Cropping2D::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["cropping"] = sides_to_json(options_.cropping);
  j["data_format"] = options_.data_format;
  return j.dump();
}

std::unique_ptr<Layer> detail::cropping2d_from_config(const nlohmann::json& j) {
  Cropping2DOptions o;
  if (j.contains("cropping")) o.cropping = sides_from_json(j["cropping"]);
  o.data_format = j.value("data_format", o.data_format);
  o.input_shape = input_shape_from_config(j);
  o.name = j.at("name").get<std::string>();
  return std::make_unique<Cropping2D>(std::move(o));
}

}  // namespace petal
