// WinogradPlan: a Conv2D plan on petal's Winograd convolution.
#include "nn/winograd_plan.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

// The layout the transforms read and write when the previous layer's does not
// suit them: oneDNN's blocked layout for this CPU (16 channels with AVX-512
// where they fill the blocks, else 8), as the direct convolutions around pick.
memory::desc preferred_md(const memory::desc& md) {
  const bool wide = cpu_level() == CpuLevel::Avx512 && md.dims()[1] % 16 == 0;
  return memory::desc(md.dims(), memory::data_type::f32, wide ? Tag::nChw16c : Tag::nChw8c);
}

// md at half its height and width (rounded down), in its layout family.
memory::desc halved(const memory::desc& md) {
  Dims d = md.dims();
  d[2] /= 2;
  d[3] /= 2;
  const memory::desc any(d, memory::data_type::f32, Tag::any);
  return md.data.format_desc.blocking.inner_nblks == 0 ? memory::desc(d, memory::data_type::f32, Tag::nhwc)
                                                       : preferred_md(any);
}

// The bounds of an eltwise follower that is a clamp (relu, clip), if it is one.
std::optional<std::pair<float, float>> clamp_of(const EltwiseSpec& e) {
  if (e.has_pre) return std::nullopt;
  const auto alg = e.main.alg;
  if (alg == dnnl::algorithm::eltwise_relu && e.main.alpha == 0.0f) {
    return std::pair{0.0f, std::numeric_limits<float>::infinity()};
  }
  if (alg == dnnl::algorithm::eltwise_clip || alg == dnnl::algorithm::eltwise_clip_v2) {
    return std::pair{e.main.alpha, e.main.beta};
  }
  return std::nullopt;
}

// Whether oneDNN's Winograd would leave followers proposed at inference to
// primitives of their own, by ConvPlan's rule (it takes eltwise followers, sums
// and a batch norm folded into a linear output, else runs direct convolution
// with them all); a pooling it never takes.
bool onednn_winograd_leaves_followers(const ConvSpec& s, const PlanContext& ctx) {
  if (ctx.post_ops.empty()) return false;
  PostOpChain chain(ctx.post_ops, s.dst_shape[2], 4, ctx.engine);
  if (s.activation == ActivationFn::Linear) chain.fold_leading_affine();
  return chain.pool_proposed() || chain.eltwise_prefix() < chain.proposed();
}

}  // namespace

bool petal_winograd_fits(const ConvSpec& s, const PlanContext& ctx) {
  if (ctx.conv_algorithm == dnnl::algorithm::convolution_direct || !s.winograd_allowed) return false;
  if (ctx.conv_algorithm == dnnl::algorithm::convolution_auto && winograd_available(ctx.engine) &&
      s.dst_shape[0] * s.dst_shape[1] > kOwnWinogradMaxPixels && !onednn_winograd_leaves_followers(s, ctx)) {
    return false;
  }
  const Dims k = s.kernel_md.dims();
  const bool pads_fit = std::all_of(s.pad_l.begin(), s.pad_l.end(), [](int64_t p) { return p >= 0 && p <= 2; }) &&
                        std::all_of(s.pad_r.begin(), s.pad_r.end(), [](int64_t p) { return p >= 0 && p <= 2; });
  const bool activation_fits = s.activation == ActivationFn::Linear || is_clamp(s.activation);
  return k.size() == 4 && k[2] == 3 && k[3] == 3 && s.strides == Dims{1, 1} && pads_fit && activation_fits &&
         s.src_shape[2] % 8 == 0 && s.dst_shape[2] % 8 == 0;
}

WinogradPlan::WinogradPlan(const ConvSpec& spec, const PlanContext& ctx)
    : ctx_(ctx), spec_(spec), stage_(ctx.engine), act_(spec.activation, ctx.backward) {
  kernel_ = ParamView(*spec.kernel, spec.kernel_md, ctx.engine);
  if (spec.bias) bias_ = ParamView(*spec.bias, bias_md(), ctx.engine);
  src_md_ = activation_view(ctx.src_md) ? ctx.src_md : preferred_md(ctx.src_md);
  // The output in the input's layout family: channels-last stays channels-last.
  const memory::desc dst_any = any_md(with_batch(ctx.batch, spec.dst_shape));
  const bool channels_last = src_md_.data.format_desc.blocking.inner_nblks == 0;
  dst_md_ = channels_last ? memory::desc(dst_any.dims(), memory::data_type::f32, Tag::nhwc) : preferred_md(dst_any);
  if (is_clamp(spec.activation)) {
    how_ = TileOutput{.clamp = true, .lo = 0.0f, .hi = clamp_upper(spec.activation, "WinogradPlan")};
  }
  if (!ctx.backward && !ctx.post_ops.empty()) take_followers(dst_any);
  const WinogradShape shape{.batch = ctx.batch,
                            .in = spec.src_shape[2],
                            .out = spec.dst_shape[2],
                            .in_h = spec.src_shape[0],
                            .in_w = spec.src_shape[1],
                            .out_h = spec.dst_shape[0],
                            .out_w = spec.dst_shape[1],
                            .pad_top = spec.pad_l[0],
                            .pad_left = spec.pad_l[1]};
  conv_ = std::make_unique<WinogradConv>(shape, *activation_view(src_md_), *activation_view(dst_md_), ctx.engine,
                                         ctx.backward, *ctx.scratchpad);
  act_.plan(dst_md_, ctx);
}

void WinogradPlan::take_followers(const memory::desc& dst_any) {
  const std::vector<PostOpFollower>& f = ctx_.post_ops;
  const int64_t channels = spec_.dst_shape[2];
  chain_ = PostOpChain(f, channels, 4, ctx_.engine);
  size_t n = 0;
  if (!how_.clamp) {  // a linear output: a batch norm folded, a residual sum, a clamp
    if (chain_.fold_leading_affine()) n = 1;
    if (n < f.size() && f[n].sum && f[n].sum_md.dims() == dst_any.dims() && activation_view(f[n].sum_md)) {
      how_.sum = true;
      dst_md_ = f[n].sum_md;
      ++n;
    }
    const auto bounds = n < f.size() && !f[n].affine && !f[n].sum ? clamp_of(f[n].eltwise) : std::nullopt;
    if (bounds) {
      how_.clamp = true;
      how_.lo = bounds->first;
      how_.hi = bounds->second;
      ++n;
    }
  }
  // After the clamp, a batch norm as a per-channel affine (MiniVGGNet's Conv-ReLU-BN).
  if (how_.clamp && n < f.size() && f[n].affine) after_affine_ = static_cast<int>(n++);
  dnnl::post_ops unused;  // the chain's own form, for oneDNN primitives
  chain_.append(unused, n);
  // Then a 2x2 max pooling that ends the proposal (MiniVGGNet's blocks): the
  // output transform writes the pooled output only.
  if (!how_.sum && chain_.take_pool()) {
    how_.pool = true;
    dst_md_ = halved(dst_md_);
  }
  if (chain_.folded()) folded_bias_.resize(static_cast<size_t>(channels));
}

void WinogradPlan::bind(const memory& src, const memory& dst) {
  src_ = stage_.input(src, src_md_, before_);
  dst_ = act_.bind_forward(dst, stage_);
  kernel_value_ = kernel_.value_for(spec_.kernel_md);
  if (spec_.bias) bias_value_ = bias_.value_for(bias_md());
}

void WinogradPlan::bind_backward(const memory& diff_dst, const memory& diff_src) {
  diff_ = act_.bind_backward(diff_dst, stage_);
  kernel_grad_ = kernel_.grad_for(spec_.kernel_md);
  if (spec_.bias) bias_grad_ = bias_.grad_for(bias_md());
  if (ctx_.need_diff_src) diff_src_ = stage_.output(diff_src, src_md_, after_backward_);
}

void WinogradPlan::forward(StepContext& step) {
  kernel_.prepare_value(step.stream);
  if (spec_.bias) bias_.prepare_value(step.stream);
  run_all(before_, step.stream);
  step.stream.wait();
  TileOutput how = how_;
  how.bias = spec_.bias ? data(bias_value_) : nullptr;
  const float* kernel_scale = nullptr;
  if (chain_.taken() > 0) chain_.prepare();
  if (chain_.folded()) {  // (W x + b) * s + t = (W * s) x + (b * s + t)
    kernel_scale = chain_.leading_scale();
    chain_.folded_bias(how.bias, folded_bias_.data());
    how.bias = folded_bias_.data();
  }
  if (after_affine_ >= 0) {
    how.scale = chain_.scale_of(static_cast<size_t>(after_affine_));
    how.shift = chain_.shift_of(static_cast<size_t>(after_affine_));
  }
  conv_->forward(data(src_), data(kernel_value_), kernel_scale, data(dst_), how);
  act_.forward(step.stream);
}

void WinogradPlan::backward(StepContext& step) {
  kernel_.prepare_grad(step.accumulate_grads);
  if (spec_.bias) bias_.prepare_grad(step.accumulate_grads);
  act_.backward(step);
  step.stream.wait();
  conv_->backward_weights(data(src_), data(diff_), data(kernel_grad_), spec_.bias ? data(bias_grad_) : nullptr);
  if (ctx_.need_diff_src) {
    conv_->backward_data(data(diff_), data(kernel_value_), data(diff_src_));
    run_all(after_backward_, step.stream);
  }
  kernel_.commit_grad(step.stream, step.accumulate_grads);
  if (spec_.bias) bias_.commit_grad(step.stream, step.accumulate_grads);
}

}  // namespace petal::detail
