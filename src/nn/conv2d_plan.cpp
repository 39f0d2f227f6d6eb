// Conv2D and DepthwiseConv2D on oneDNN: one ConvPlan each (groups = 1, Conv2D's
// groups, or one group per input channel).
#include "nn/conv_plan.h"
#include "nn/normalized_depthwise_plan.h"
#include "nn/winograd_plan.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/depthwise_conv2d.h"

namespace petal {

namespace {

using namespace detail;

Dims dnnl_dilates(const std::array<int64_t, 2>& rate) { return {rate[0] - 1, rate[1] - 1}; }

// Strides, dilation and TensorFlow padding of a layer's window, in oneDNN terms.
void set_window(ConvSpec& s, const std::array<int64_t, 2>& strides, const std::array<int64_t, 2>& rate,
                const std::array<int64_t, 4>& pads) {
  s.strides = {strides[0], strides[1]};
  s.dilates = dnnl_dilates(rate);
  s.pad_l = {pads[0], pads[1]};
  s.pad_r = {pads[2], pads[3]};
}

// A zero border folded in by the graph plan: a smaller input, more padding.
void fold_padding(ConvSpec& s, const std::array<int64_t, 4>& border) {
  s.src_shape[0] -= border[0] + border[2];
  s.src_shape[1] -= border[1] + border[3];
  s.pad_l = {s.pad_l[0] + border[0], s.pad_l[1] + border[1]};
  s.pad_r = {s.pad_r[0] + border[2], s.pad_r[1] + border[3]};
}

}  // namespace

bool detail::winograd_allowed(const Conv2D& conv) {
  const auto& o = conv.options();
  return o.groups == 1 && o.dilation_rate == std::array<int64_t, 2>{1, 1} &&
         conv.input_shape()[2] >= kWinogradMinChannels && o.filters >= kWinogradMinChannels;
}

std::unique_ptr<detail::LayerPlan> Conv2D::make_plan(const detail::PlanContext& ctx) {
  const auto& o = options();
  const auto ps = params();
  ConvSpec s;
  s.kernel = ps[0];
  s.bias = o.use_bias ? ps[1] : nullptr;
  s.kernel_md = keras_conv_kernel_md(o.kernel_size[0], o.kernel_size[1], input_shape()[2], o.filters, o.groups);
  s.src_shape = input_shape();
  s.dst_shape = output_shape();
  set_window(s, o.strides, o.dilation_rate, pads());
  s.activation = own_or_fused(ctx, o.activation);
  s.winograd_allowed = winograd_allowed(*this);
  fold_padding(s, ctx.folded_padding);
  if (petal_winograd_fits(s, ctx)) return std::make_unique<WinogradPlan>(s, ctx);
  return std::make_unique<ConvPlan>(s, ctx);
}

std::unique_ptr<detail::LayerPlan> DepthwiseConv2D::make_plan(const detail::PlanContext& ctx) {
  if (ctx.input_norm) return make_normalized_depthwise_plan(*this, ctx);
  const auto& o = options();
  const auto ps = params();
  const int64_t in = input_shape()[2];
  ConvSpec s;
  s.kernel = ps[0];
  s.bias = o.use_bias ? ps[1] : nullptr;
  // Keras's [kh, kw, in, depth_multiplier] is hwigo with groups = in, 1 input per group.
  s.kernel_md = keras_conv_kernel_md(o.kernel_size[0], o.kernel_size[1], in, in * o.depth_multiplier, in);
  s.src_shape = input_shape();
  s.dst_shape = output_shape();
  set_window(s, o.strides, o.dilation_rate, pads());
  s.activation = own_or_fused(ctx, o.activation);
  fold_padding(s, ctx.folded_padding);
  return std::make_unique<ConvPlan>(s, ctx);
}

}  // namespace petal
