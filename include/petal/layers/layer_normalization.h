// LayerNormalization, Keras arguments and defaults: each sample normalised
// over `axis` with its own mean and variance, then scaled and shifted.
#pragma once

#include <string>
#include <vector>

#include "petal/layers/layer.h"

namespace petal {

struct LayerNormalizationOptions {
  // Keras axes (batch axis 0 excluded, negative from the end), in increasing
  // order: {-1} (the default) or e.g. {1, 2, 3} for (H, W, C).
  std::vector<int> axis = {-1};
  float epsilon = 1e-3f;
  bool center = true;  // learn beta
  bool scale = true;   // learn gamma
  Shape input_shape = {};
  std::string name = {};
};

// y = (x - mean) / sqrt(var + epsilon) * gamma + beta, moments over `axis`
// (biased variance); gamma and beta have the shape of the normalised axes.
class LayerNormalization : public Layer {
 public:
  explicit LayerNormalization(LayerNormalizationOptions options = {});
  std::string type() const override { return "LayerNormalization"; }
  std::string name_prefix() const override { return "layer_normalization"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<LayerNormalization>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const LayerNormalizationOptions& options() const { return options_; }
  // The normalised axes as indices of the shape with batch (after build).
  const std::vector<int>& axes() const { return axes_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  LayerNormalizationOptions options_;
  std::vector<int> axes_;
};

}  // namespace petal
