// One oneDNN convolution (plain, grouped, depthwise or dilated) as a layer plan:
// bias and activation fused, backward-data and backward-weights, layouts by oneDNN.
#pragma once

#include "nn/weighted_plan.h"

namespace petal {
class Conv2D;
}

namespace petal::detail {

// What a convolution plan needs from its layer, in oneDNN terms.
struct ConvSpec {
  Param* kernel = nullptr;
  Param* bias = nullptr;          // null: no bias
  memory::desc kernel_md;         // the Keras layout, with oneDNN's logical (grouped) dims
  Shape src_shape, dst_shape;     // per sample, Keras order [H, W, C]
  Dims strides, dilates, pad_l, pad_r;  // dilates in oneDNN's convention (Keras rate - 1)
  ActivationFn activation = ActivationFn::Linear;
  // Winograd is tried only where winograd_allowed(Conv2D) says.
  bool winograd_allowed = false;
};

class ConvPlan final : public WeightedPlan {
 public:
  ConvPlan(const ConvSpec& spec, const PlanContext& ctx);
  void bind(const memory& src, const memory& dst) override;
  void bind_backward(const memory& diff_dst, const memory& diff_src) override;

 private:
  // adopted: the layout the kernel moves to for good (empty: none).
  ConvPlan(const ConvSpec& spec, const PlanContext& ctx, const memory::desc& adopted);
  dnnl::convolution_forward::primitive_desc forward_pd(const PlanContext& ctx);
  dnnl::convolution_backward_weights::primitive_desc backward_weights_pd() const;

  dnnl::algorithm algorithm_;
  Dims strides_, dilates_, pad_l_, pad_r_;
  memory::desc src_any_, dst_any_, w_any_;
  dnnl::convolution_forward::primitive_desc fwd_pd_;
};

// Convolutions with fewer input or output channels run direct: oneDNN's "auto"
// picks Winograd even for a 3-channel input, where it is 4x slower than direct.
inline constexpr int64_t kWinogradMinChannels = 16;
// Whether a Conv2D's plan asks for Winograd under convolution_auto: one group,
// no dilation, kWinogradMinChannels or more channels in and out (oneDNN then
// takes it for the shapes it has a kernel for: 3x3, stride 1).
bool winograd_allowed(const Conv2D& conv);
// Whether oneDNN has a Winograd forward convolution on this CPU (AVX-512 only),
// probed once per process; and the activation layout its kernels read and write.
bool winograd_available(const dnnl::engine& engine);
inline constexpr memory::format_tag kWinogradActivationTag = memory::format_tag::aBcd16b;
inline constexpr int64_t kWinogradActivationBlock = 16;  // its channel block

// The Keras kernel [kh, kw, in / groups, out] as oneDNN weights: [out, in, kh, kw]
// (hwio) without groups, [groups, out / groups, in / groups, kh, kw] (hwigo) with.
memory::desc keras_conv_kernel_md(int64_t kh, int64_t kw, int64_t in, int64_t out, int64_t groups);
// The same dims with format `any`.
memory::desc any_like(const memory::desc& md);

}  // namespace petal::detail
