// UpSampling2D: options, shape inference and model-file config (the oneDNN
// resampling plan is in up_sampling2d_plan.cpp).
#include "petal/layers/up_sampling2d.h"

#include <nlohmann/json.hpp>

#include "layers/config_json.h"
#include "layers/conv_common.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

UpSampling2D::UpSampling2D(UpSampling2DOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = where();
  detail::require_positive(w, "size", options_.size);
  detail::require_channels_last(w, options_.data_format);
  if (options_.interpolation != "nearest" && options_.interpolation != "bilinear") {
    throw ConfigError(w + ": expected interpolation 'nearest' or 'bilinear'; received '" + options_.interpolation +
                      "'.");
  }
}

Shape UpSampling2D::do_build(const Shape& in, Rng&) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  return {in[0] * options_.size[0], in[1] * options_.size[1], in[2]};
}

std::string UpSampling2D::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["size"] = options_.size;
  j["data_format"] = options_.data_format;
  j["interpolation"] = options_.interpolation;
  return j.dump();
}

std::unique_ptr<Layer> detail::up_sampling2d_from_config(const nlohmann::json& j) {
  UpSampling2DOptions o;
  o.size = j.value("size", o.size);
  o.data_format = j.value("data_format", o.data_format);
  o.interpolation = j.value("interpolation", o.interpolation);
  o.input_shape = input_shape_from_config(j);
  o.name = j.at("name").get<std::string>();
  return std::make_unique<UpSampling2D>(std::move(o));
}

}  // namespace petal
