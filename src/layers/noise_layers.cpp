// SpatialDropout2D, GaussianNoise and GaussianDropout: options, shapes, seeds
// and configs (plans in nn/noise_plans.cpp).
#include "petal/layers/noise_layers.h"

#include <cmath>

#include "layers/config_fields.h"
#include "layers/config_json.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

namespace {

void check_rate(const std::string& where, float rate) {
  if (!(rate >= 0.0f && rate < 1.0f)) {
    throw ConfigError(where + ": expected rate in [0, 1); received " + std::to_string(rate) + ".");
  }
}

void check_rank(const Layer& layer, const Shape& in) {
  if (in.empty() || in.size() > 3) {
    throw ShapeError(layer.where() + ": expected input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C)); received " +
                     to_keras_string(in) + ".");
  }
}

template <typename O>
nlohmann::json seeded_config(const Layer& layer, const O& o) {
  nlohmann::json j = detail::base_config(layer);
  if (o.seed) j["seed"] = *o.seed;
  return j;
}

std::optional<uint64_t> seed_of(const nlohmann::json& j) {
  if (j.contains("seed") && !j["seed"].is_null()) return j["seed"].get<uint64_t>();
  return std::nullopt;
}

}  // namespace

SpatialDropout2D::SpatialDropout2D(SpatialDropout2DOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = "SpatialDropout2D(name='" + options_.name + "')";
  check_rate(w, options_.rate);
  if (options_.data_format != "channels_last") {
    throw ConfigError(w + ": expected data_format='channels_last' (petal is NHWC only); received data_format='" +
                      options_.data_format + "'.");
  }
}

Shape SpatialDropout2D::do_build(const Shape& in, Rng& rng) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  seed_ = options_.seed ? *options_.seed : rng.next_u64();
  return in;
}

std::string SpatialDropout2D::config_json() const {
  nlohmann::json j = seeded_config(*this, options_);
  j["rate"] = options_.rate;
  j["data_format"] = options_.data_format;
  return j.dump();
}

std::unique_ptr<Layer> detail::spatial_dropout2d_from_config(const nlohmann::json& j) {
  return std::make_unique<SpatialDropout2D>(SpatialDropout2DOptions{
      j.at("rate").get<float>(), seed_of(j), config_or<std::string>(j, "data_format", "channels_last"),
      config_input_shape(j), config_name(j)});
}

GaussianNoise::GaussianNoise(GaussianNoiseOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  if (!(options_.stddev >= 0.0f) || !std::isfinite(options_.stddev)) {
    throw ConfigError("GaussianNoise(name='" + options_.name + "'): expected a finite stddev >= 0; received " +
                      std::to_string(options_.stddev) + ".");
  }
}

Shape GaussianNoise::do_build(const Shape& in, Rng& rng) {
  check_rank(*this, in);
  seed_ = options_.seed ? *options_.seed : rng.next_u64();
  return in;
}

std::string GaussianNoise::config_json() const {
  nlohmann::json j = seeded_config(*this, options_);
  j["stddev"] = options_.stddev;
  return j.dump();
}

std::unique_ptr<Layer> detail::gaussian_noise_from_config(const nlohmann::json& j) {
  return std::make_unique<GaussianNoise>(
      GaussianNoiseOptions{j.at("stddev").get<float>(), seed_of(j), config_input_shape(j), config_name(j)});
}

GaussianDropout::GaussianDropout(GaussianDropoutOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  check_rate("GaussianDropout(name='" + options_.name + "')", options_.rate);
}

Shape GaussianDropout::do_build(const Shape& in, Rng& rng) {
  check_rank(*this, in);
  seed_ = options_.seed ? *options_.seed : rng.next_u64();
  return in;
}

std::string GaussianDropout::config_json() const {
  nlohmann::json j = seeded_config(*this, options_);
  j["rate"] = options_.rate;
  return j.dump();
}

std::unique_ptr<Layer> detail::gaussian_dropout_from_config(const nlohmann::json& j) {
  return std::make_unique<GaussianDropout>(
      GaussianDropoutOptions{j.at("rate").get<float>(), seed_of(j), config_input_shape(j), config_name(j)});
}

}  // namespace petal
