// Dense: fully connected layer on [N, F] inputs, Keras arguments and defaults.
#pragma once

#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct DenseOptions {
  int64_t units = 0;
  std::string activation = "linear";
  bool use_bias = true;
  std::string kernel_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  float kernel_l2 = 0.0f;  // kernel_regularizer=l2(kernel_l2); 0 = none
  Shape input_shape = {};  // [F] when this is the first layer
  std::string name = {};
};

class Dense : public Layer {
 public:
  explicit Dense(DenseOptions options);
  std::string type() const override { return "Dense"; }
  std::string name_prefix() const override { return "dense"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Dense>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  bool accepts_fused_activation(ActivationFn) const override { return options_.activation == "linear"; }
  const DenseOptions& options() const { return options_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  DenseOptions options_;
};

}  // namespace petal
