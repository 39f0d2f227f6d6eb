// SeparableConv2D: a depthwise convolution followed by a 1x1 pointwise one (NHWC),
// Keras arguments, defaults, weights and parameter count.
#pragma once

#include <array>
#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct SeparableConv2DOptions {
  int64_t filters = 0;
  std::array<int64_t, 2> kernel_size{3, 3};
  std::array<int64_t, 2> strides{1, 1};
  Padding padding = Padding::Valid;
  std::string data_format = "channels_last";  // NHWC only
  std::array<int64_t, 2> dilation_rate{1, 1};  // > 1 needs strides (1, 1)
  int64_t depth_multiplier = 1;
  std::string activation = "linear";
  bool use_bias = true;
  std::string depthwise_initializer = "glorot_uniform";
  std::string pointwise_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  Shape input_shape = {};  // [H, W, C] when this is the first layer
  std::string name = {};
};

// Weights: depthwise_kernel [kh, kw, in, depth_multiplier], pointwise_kernel
// [1, 1, in * depth_multiplier, filters], bias [filters]; strides, padding and
// dilation apply to the depthwise step, bias and activation after the pointwise one.
class SeparableConv2D : public Layer {
 public:
  explicit SeparableConv2D(SeparableConv2DOptions options);
  std::string type() const override { return "SeparableConv2D"; }
  std::string name_prefix() const override { return "separable_conv2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<SeparableConv2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  bool accepts_fused_activation(ActivationFn) const override { return options_.activation == "linear"; }
  const SeparableConv2DOptions& options() const { return options_; }
  std::array<int64_t, 4> pads() const;  // of the depthwise step: top, left, bottom, right

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  SeparableConv2DOptions options_;
};

}  // namespace petal
