// ConvPlan: oneDNN convolution forward with bias and activation fused as a
// post-op, backward-data and backward-weights; groups and dilation included.
#include "nn/conv_plan.h"

#include <string>

namespace petal::detail {

using dnnl::algorithm;

memory::desc keras_conv_kernel_md(int64_t kh, int64_t kw, int64_t in, int64_t out, int64_t groups) {
  if (groups == 1) return memory::desc({out, in, kh, kw}, memory::data_type::f32, Tag::hwio);
  return memory::desc({groups, out / groups, in / groups, kh, kw}, memory::data_type::f32, Tag::hwigo);
}

memory::desc any_like(const memory::desc& md) { return memory::desc(md.dims(), md.data_type(), Tag::any); }

namespace {

std::vector<Param*> params_of(const ConvSpec& spec) {
  if (spec.bias) return {spec.kernel, spec.bias};
  return {spec.kernel};
}

// An activation of a convolution in the layout the graph plan asks for (where
// its channels fill the blocks), else in the primitive's choice.
memory::desc activation_md(const PlanContext& ctx, const Shape& shape) {
  const memory::desc any = any_md(with_batch(ctx.batch, shape));
  if (ctx.conv_activation_tag != kWinogradActivationTag || shape.size() != 3 ||
      shape[2] % kWinogradActivationBlock != 0) {
    return any;
  }
  return memory::desc(any.dims(), memory::data_type::f32, ctx.conv_activation_tag);
}

memory::desc bias_md_of(const ConvSpec& spec) {
  if (!spec.bias) return {};
  return memory::desc({spec.dst_shape[2]}, memory::data_type::f32, Tag::x);
}

// The blocked kernel layout oneDNN's direct convolution prefers while training
// (activations in its own choice, at kKernelLayoutBatch), for a training plan
// that reads the kernel first (Param::layout_fixed); empty otherwise. The kernel is then stored in it for good
// (ParamView's adopt_layout): no step reorders it in or its gradient out.
memory::desc adopted_kernel_md(const ConvSpec& spec, const PlanContext& ctx) {
  if (!ctx.backward || spec.kernel->layout_fixed) return {};
  const dnnl::convolution_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_training, algorithm::convolution_direct,
       any_md(with_batch(kKernelLayoutBatch, spec.src_shape)), any_like(spec.kernel_md), bias_md_of(spec),
       any_md(with_batch(kKernelLayoutBatch, spec.dst_shape)), spec.strides, spec.dilates, spec.pad_l, spec.pad_r},
      scratch_attr(), ctx.engine);
  const memory::desc want = pd.weights_desc();
  if (want.data.format_kind != dnnl_blocked || want == spec.kernel_md) return {};
  return want;
}

}  // namespace

ConvPlan::ConvPlan(const ConvSpec& spec, const PlanContext& ctx) : ConvPlan(spec, ctx, adopted_kernel_md(spec, ctx)) {}

ConvPlan::ConvPlan(const ConvSpec& spec, const PlanContext& ctx, const memory::desc& adopted)
    : WeightedPlan(ctx, spec.activation, params_of(spec), spec.kernel_md, bias_md_of(spec), !adopted.is_zero()),
      strides_(spec.strides), dilates_(spec.dilates), pad_l_(spec.pad_l), pad_r_(spec.pad_r) {
  if (!adopted.is_zero()) kernel_.value_for(adopted);
  src_any_ = activation_md(ctx, spec.src_shape);
  dst_any_ = activation_md(ctx, spec.dst_shape);
  w_any_ = any_like(spec.kernel_md);
  propose_post_ops(spec.dst_shape[2], 4);
  algorithm_ = ctx.conv_algorithm;
  // Petal's Winograd asked for (layer_plan.h) but not fitting this one: oneDNN's choice.
  if (algorithm_ == algorithm::convolution_winograd) algorithm_ = algorithm::convolution_auto;
  if (!spec.winograd_allowed) algorithm_ = algorithm::convolution_direct;
  fwd_pd_ = forward_pd(ctx);
  dst_md_ = fwd_pd_.dst_desc();
  act_.plan(dst_md_, ctx);
}

void ConvPlan::bind(const memory& src, const memory& dst) {
  bind_forward_op<decltype(fwd_pd_), dnnl::convolution_forward>(fwd_pd_, src, dst);
}

void ConvPlan::bind_backward(const memory& diff_dst, const memory& diff_src) {
  const memory diff = act_.bind_backward(diff_dst, stage_);
  dnnl::convolution_backward_weights::primitive_desc wpd = backward_weights_pd();
  bind_backward_weights_op<decltype(wpd), dnnl::convolution_backward_weights>(wpd, diff);
  if (!ctx_.need_diff_src) return;
  dnnl::convolution_backward_data::primitive_desc dpd(
      {algorithm_, src_any_, w_any_, dst_any_, strides_, dilates_, pad_l_, pad_r_}, scratch_attr(), ctx_.engine,
      fwd_pd_);
  bind_backward_data_op<decltype(dpd), dnnl::convolution_backward_data>(dpd, diff, diff_src,
                                                                        kernel_.value_for(fwd_pd_.weights_desc()));
}

bool winograd_available(const dnnl::engine& engine) {
  static const bool available = [&] {
    const memory::desc act({1, kWinogradMinChannels, 8, 8}, memory::data_type::f32, Tag::any);
    const memory::desc w({kWinogradMinChannels, kWinogradMinChannels, 3, 3}, memory::data_type::f32, Tag::any);
    try {
      dnnl::convolution_forward::primitive_desc pd({dnnl::prop_kind::forward_inference,
                                                    algorithm::convolution_winograd, act, w, memory::desc(), act,
                                                    {1, 1}, {0, 0}, {1, 1}, {1, 1}},
                                                   engine);
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return available;
}

// oneDNN's "auto" picks direct (brgconv) for inference even where its
// Winograd kernel is ~2x faster: with auto, ask for Winograd first, unless it
// would leave out followers proposed as post-ops (it takes no binary ones):
// direct convolution with batch norm fused beats Winograd with it apart
// (inference, 2 cores, AVX-512: MiniVGGNet 148 vs 180 ms, ResNet-18 1190 vs
// 1610 ms per batch of 32). A residual sum is taken only when the output
// layout matches the buffer it adds into.
dnnl::convolution_forward::primitive_desc ConvPlan::forward_pd(const PlanContext& ctx) {
  const auto make = [&](algorithm alg) {
    return [&, alg](const dnnl::primitive_attr& attr, const memory::desc& dst) {
      return dnnl::convolution_forward::primitive_desc({ctx.forward_prop(), alg, src_any_, w_any_, b_md_,
                                                        dst.is_zero() ? dst_any_ : dst, strides_, dilates_, pad_l_,
                                                        pad_r_},
                                                       attr, ctx.engine);
    };
  };
  if (algorithm_ == algorithm::convolution_auto && chain_.eltwise_prefix() == chain_.proposed()) {
    try {
      return forward_pd_with(chain_.proposed(), make(algorithm::convolution_winograd));
    } catch (const dnnl::error&) {
      // not supported for this shape: oneDNN's choice below
    }
  }
  return forward_pd_with(chain_.proposed(), make(algorithm_));
}

// oneDNN's "auto" keeps backward-weights direct even where its Winograd
// kernel is ~1.8x faster (MiniVGGNet's 32- and 64-channel layers): ask for
// Winograd first when the forward pass uses it.
dnnl::convolution_backward_weights::primitive_desc ConvPlan::backward_weights_pd() const {
  if (algorithm_ == algorithm::convolution_auto &&
      std::string(fwd_pd_.impl_info_str()).find("wino") != std::string::npos) {
    try {
      return {{algorithm::convolution_winograd, src_any_, w_any_, b_md_, dst_any_, strides_, dilates_, pad_l_,
               pad_r_},
              scratch_attr(), ctx_.engine, fwd_pd_};
    } catch (const dnnl::error&) {
      // not supported for this shape: fall through to oneDNN's choice
    }
  }
  return {{algorithm_, src_any_, w_any_, b_md_, dst_any_, strides_, dilates_, pad_l_, pad_r_}, scratch_attr(),
          ctx_.engine, fwd_pd_};
}

}  // namespace petal::detail
