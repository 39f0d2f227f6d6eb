// Conv2DTranspose: transposed 2-D convolution (the gradient of Conv2D) over NHWC
// inputs, Keras arguments, defaults, kernel [kh, kw, filters, in] and output size.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct Conv2DTransposeOptions {
  int64_t filters = 0;
  std::array<int64_t, 2> kernel_size{3, 3};
  std::array<int64_t, 2> strides{1, 1};
  Padding padding = Padding::Valid;
  // Extra rows/columns at the bottom/right, each < its stride; unset = Keras's None
  // (the output size is then inferred, see Conv2DTranspose).
  std::optional<std::array<int64_t, 2>> output_padding = std::nullopt;
  std::string data_format = "channels_last";  // NHWC only
  std::array<int64_t, 2> dilation_rate{1, 1};  // > 1 needs strides (1, 1)
  std::string activation = "linear";
  bool use_bias = true;
  std::string kernel_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  Shape input_shape = {};  // [H, W, C] when this is the first layer
  std::string name = {};
};

// Output size per axis is Keras's deconv_output_length (K = dilated kernel extent):
//   output_padding unset: valid -> in * s + max(K - s, 0); same -> in * s
//   output_padding p:     (in - 1) * s + K - 2 * pad + p, pad = 0 (valid) or K / 2 (same)
// and the result is TensorFlow's conv2d_transpose for that size: the transpose
// of a Conv2D from that size back to `in` with the same padding (for 'same' the
// extra padding at the bottom/right). A size TensorFlow rejects (even kernel,
// 'same', output_padding 0) is a ShapeError at build.
class Conv2DTranspose : public Layer {
 public:
  explicit Conv2DTranspose(Conv2DTransposeOptions options);
  std::string type() const override { return "Conv2DTranspose"; }
  std::string name_prefix() const override { return "conv2d_transpose"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Conv2DTranspose>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  bool accepts_fused_activation(ActivationFn) const override { return options_.activation == "linear"; }
  const Conv2DTransposeOptions& options() const { return options_; }
  // Cropping of the full transposed convolution, {top, left, bottom, right};
  // bottom/right may be negative (zero rows/columns appended), as oneDNN's padding_r.
  std::array<int64_t, 4> pads() const;

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  Conv2DTransposeOptions options_;
};

}  // namespace petal
