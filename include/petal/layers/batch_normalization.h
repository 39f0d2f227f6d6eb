// BatchNormalization over one axis (the channels by default), Keras arguments and
// defaults: batch statistics while training, moving statistics at inference.
#pragma once

#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct BatchNormalizationOptions {
  // Keras axis: the one kept (statistics per index of it), 1..rank or negative
  // from the end; -1 is the channels of channels_last models. A list of axes,
  // which Keras also accepts, is not supported.
  int axis = -1;
  float momentum = 0.99f;
  float epsilon = 1e-3f;
  bool center = true;  // learn beta
  bool scale = true;   // learn gamma
  Shape input_shape = {};
  std::string name = {};
};

// Moving statistics: moving = momentum * moving + (1 - momentum) * batch, with the
// batch variance made unbiased (n / (n - 1), n = N*H*W) as PyTorch and TF2's fused
// batch norm do (Keras 2.2.4 used n / (n - 1 - epsilon); the difference is < 1e-3 n^-1).
class BatchNormalization : public Layer {
 public:
  explicit BatchNormalization(BatchNormalizationOptions options = {});
  std::string type() const override { return "BatchNormalization"; }
  std::string name_prefix() const override { return "batch_normalization"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<BatchNormalization>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  bool accepts_fused_activation(ActivationFn fn) const override {
    return is_clamp(fn);
  }
  const BatchNormalizationOptions& options() const { return options_; }
  // The normalised axis as an index of the shape with batch (after build).
  int resolved_axis() const { return axis_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  BatchNormalizationOptions options_;
  int axis_ = 0;
};

}  // namespace petal
