// DepthwiseConv2D: one spatial filter bank per input channel (NHWC), Keras
// arguments, defaults and weights (depthwise_kernel [kh, kw, in, depth_multiplier]).
#pragma once

#include <array>
#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct DepthwiseConv2DOptions {
  std::array<int64_t, 2> kernel_size{3, 3};
  std::array<int64_t, 2> strides{1, 1};
  Padding padding = Padding::Valid;
  int64_t depth_multiplier = 1;
  std::string data_format = "channels_last";  // NHWC only
  std::array<int64_t, 2> dilation_rate{1, 1};  // > 1 needs strides (1, 1)
  std::string activation = "linear";
  bool use_bias = true;
  std::string depthwise_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  Shape input_shape = {};  // [H, W, C] when this is the first layer
  std::string name = {};
};

// Output channel c * depth_multiplier + m is input channel c convolved with
// depthwise_kernel[:, :, c, m] (TensorFlow's depthwise_conv2d order); bias has
// in * depth_multiplier entries.
class DepthwiseConv2D : public Layer {
 public:
  explicit DepthwiseConv2D(DepthwiseConv2DOptions options);
  std::string type() const override { return "DepthwiseConv2D"; }
  std::string name_prefix() const override { return "depthwise_conv2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<DepthwiseConv2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  bool accepts_fused_activation(ActivationFn) const override { return options_.activation == "linear"; }
  const DepthwiseConv2DOptions& options() const { return options_; }
  std::array<int64_t, 4> pads() const;  // top, left, bottom, right (TensorFlow's rule)

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  DepthwiseConv2DOptions options_;
};

}  // namespace petal
