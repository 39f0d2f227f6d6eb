// Conv2D: 2-D convolution over NHWC inputs, Keras arguments and defaults.
#pragma once

#include <array>
#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct Conv2DOptions {
  int64_t filters = 0;
  std::array<int64_t, 2> kernel_size{3, 3};
  std::array<int64_t, 2> strides{1, 1};
  Padding padding = Padding::Valid;
  std::string data_format = "channels_last";  // NHWC only: "channels_first" is a ConfigError
  // Keras's rule: a rate > 1 on either axis needs strides (1, 1).
  std::array<int64_t, 2> dilation_rate{1, 1};
  // tf.keras 2.3+: filters and input channels divisible by groups; the kernel is
  // [kh, kw, in / groups, filters] and group g maps its input channels to its filters.
  int64_t groups = 1;
  std::string activation = "linear";
  bool use_bias = true;
  std::string kernel_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  float kernel_l2 = 0.0f;  // kernel_regularizer=l2(kernel_l2); 0 = none
  Shape input_shape = {};  // [H, W, C] when this is the first layer
  std::string name = {};
};

class Conv2D : public Layer {
 public:
  explicit Conv2D(Conv2DOptions options);
  std::string type() const override { return "Conv2D"; }
  std::string name_prefix() const override { return "conv2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Conv2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  bool accepts_fused_activation(ActivationFn) const override { return options_.activation == "linear"; }
  const Conv2DOptions& options() const { return options_; }
  // Padding before (top, left) and after (bottom, right), Keras/TensorFlow rule.
  std::array<int64_t, 4> pads() const;

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  Conv2DOptions options_;
};

// Output length and (before, after) padding of one spatial axis, TensorFlow's rule
// ('same': out = ceil(in / stride), extra padding goes after). For a dilated
// kernel pass its extent, dilated_extent(kernel, rate).
struct AxisGeometry {
  int64_t out, pad_before, pad_after;
};
AxisGeometry axis_geometry(int64_t in, int64_t kernel, int64_t stride, Padding padding);
// The span a kernel of `kernel` taps covers at dilation `rate`: (kernel - 1) * rate + 1.
inline int64_t dilated_extent(int64_t kernel, int64_t rate) { return (kernel - 1) * rate + 1; }

}  // namespace petal
