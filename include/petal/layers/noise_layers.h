// Regularisation layers active only while training, identity at inference:
// SpatialDropout2D (whole channels), GaussianNoise (additive), GaussianDropout
// (multiplicative). Their noise is a pure function of (seed, training step,
// logical element index), so runs are reproducible and layout-independent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct SpatialDropout2DOptions {
  float rate = 0.5f;
  std::optional<uint64_t> seed = std::nullopt;  // unset: drawn from the model's seed at build
  std::string data_format = "channels_last";    // the only one petal supports
  Shape input_shape = {};
  std::string name = {};
};

// Drops whole channels: per sample and channel, all H x W values are zeroed
// with probability `rate`, the rest scaled by 1 / (1 - rate). Input (H, W, C).
class SpatialDropout2D : public Layer {
 public:
  explicit SpatialDropout2D(SpatialDropout2DOptions options);
  explicit SpatialDropout2D(float rate) : SpatialDropout2D(SpatialDropout2DOptions{.rate = rate}) {}
  std::string type() const override { return "SpatialDropout2D"; }
  std::string name_prefix() const override { return "spatial_dropout2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<SpatialDropout2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  float rate() const { return options_.rate; }
  uint64_t noise_seed() const { return seed_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  SpatialDropout2DOptions options_;
  uint64_t seed_ = 0;
};

struct GaussianNoiseOptions {
  float stddev = 0.0f;
  std::optional<uint64_t> seed = std::nullopt;
  Shape input_shape = {};
  std::string name = {};
};

// y = x + N(0, stddev^2) while training.
class GaussianNoise : public Layer {
 public:
  explicit GaussianNoise(GaussianNoiseOptions options);
  explicit GaussianNoise(float stddev) : GaussianNoise(GaussianNoiseOptions{.stddev = stddev}) {}
  std::string type() const override { return "GaussianNoise"; }
  std::string name_prefix() const override { return "gaussian_noise"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<GaussianNoise>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  float stddev() const { return options_.stddev; }
  uint64_t noise_seed() const { return seed_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  GaussianNoiseOptions options_;
  uint64_t seed_ = 0;
};

struct GaussianDropoutOptions {
  float rate = 0.5f;
  std::optional<uint64_t> seed = std::nullopt;
  Shape input_shape = {};
  std::string name = {};
};

// y = x * N(1, rate / (1 - rate)) while training (Keras's GaussianDropout).
class GaussianDropout : public Layer {
 public:
  explicit GaussianDropout(GaussianDropoutOptions options);
  explicit GaussianDropout(float rate) : GaussianDropout(GaussianDropoutOptions{.rate = rate}) {}
  std::string type() const override { return "GaussianDropout"; }
  std::string name_prefix() const override { return "gaussian_dropout"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<GaussianDropout>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  float rate() const { return options_.rate; }
  uint64_t noise_seed() const { return seed_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  GaussianDropoutOptions options_;
  uint64_t seed_ = 0;
};

}  // namespace petal
