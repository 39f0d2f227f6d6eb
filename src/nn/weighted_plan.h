// Shared shape of the Conv2D and Dense plans: kernel and optional bias params,
// a fused output activation, and forward/backward op lists bound once.
#pragma once

#include <algorithm>
#include <string>

#include "nn/activation_ops.h"
#include "nn/layer_plan.h"
#include "nn/param_view.h"
#include "nn/post_op_chain.h"

namespace petal::detail {

// The batch at which a kernel's storage layout is asked of oneDNN (Dense, and
// a convolution trained first): the layout never depends on a plan's batch, so
// that every plan and every rank of a distributed job stores the kernel alike.
inline constexpr int64_t kKernelLayoutBatch = 32;

// The layer's own activation, or the one the network plan fused into it.
inline ActivationFn own_or_fused(const PlanContext& ctx, const std::string& own) {
  return ctx.fused_activation != ActivationFn::Linear ? ctx.fused_activation : activation_from_string(own);
}

class WeightedPlan : public LayerPlan {
 public:
  bool ends_in_softmax() const override { return chain_.taken() == 0 && act_.fn() == ActivationFn::Softmax; }
  bool ends_in_sigmoid() const override { return chain_.taken() == 0 && act_.fn() == ActivationFn::Sigmoid; }
  size_t fused_followers() const override { return chain_.taken(); }

  void forward(StepContext& step) override {
    chain_.prepare();  // first: a folded batch norm's scale goes into the weights
    kernel_.prepare_value(step.stream);
    if (chain_.folded()) {
      fold_bias();
    } else if (has_bias_) {
      bias_.prepare_value(step.stream);
    }
    run_all(fwd_ops_, step.stream);
    run_all(bwd_data_weights_ops_, step.stream);
    act_.forward(step.stream);
  }

  void backward(StepContext& step) override {
    kernel_.prepare_grad(step.accumulate_grads);
    if (has_bias_) bias_.prepare_grad(step.accumulate_grads);
    act_.backward(step);
    run_all(bwd_ops_, step.stream);
    kernel_.commit_grad(step.stream, step.accumulate_grads);
    if (has_bias_) bias_.commit_grad(step.stream, step.accumulate_grads);
  }

 protected:
  // params: the layer's [kernel, bias?]; *_md: their Keras layouts.
  WeightedPlan(const PlanContext& ctx, ActivationFn act, std::vector<Param*> params, const memory::desc& kernel_md,
               const memory::desc& bias_md, bool adopt_kernel_layout = false)
      : ctx_(ctx), stage_(ctx.engine), act_(act, ctx.backward), has_bias_(params.size() > 1), b_md_(bias_md) {
    kernel_ = ParamView(*params[0], kernel_md, ctx.engine, adopt_kernel_layout);
    if (!ctx.backward) kernel_.reuse_unchanged();
    if (has_bias_) bias_ = ParamView(*params[1], bias_md, ctx.engine);
  }

  // Followers proposed as post-ops (output: `channels` at dim 1 of `rank` dims);
  // none when the own activation runs as a separate primitive after this one.
  // A batch norm straight after a linear output is folded into the weights and
  // bias: (W x + b) * s + t = (W * s) x + (b * s + t), so the primitive keeps only
  // eltwise and sum post-ops (which Winograd takes) and always has a bias.
  void propose_post_ops(int64_t channels, int rank) {
    if (ctx_.post_ops.empty() || act_.separate()) return;
    chain_ = PostOpChain(ctx_.post_ops, channels, rank, ctx_.engine);
    if (act_.fn() != ActivationFn::Linear || !chain_.fold_leading_affine()) return;
    b_md_ = memory::desc({channels}, memory::data_type::f32, Tag::x);
    folded_bias_ = Buffer(b_md_, ctx_.engine);
    folded_scale_ = memory(b_md_, ctx_.engine, chain_.leading_scale());
  }

  // The folded batch norm's bias: b * s + t per channel (b = 0 without a bias).
  void fold_bias() { chain_.folded_bias(bias_.param() ? bias_.param()->value.data() : nullptr, folded_bias_.data()); }

  // The forward attributes: scratchpad, the own activation, then followers
  // [0, followers) of the chain (the last call decides what the primitive takes).
  dnnl::primitive_attr forward_attr(size_t followers) {
    dnnl::primitive_attr attr = scratch_attr();
    dnnl::post_ops po;
    act_.append_post_op(po);
    chain_.append(po, followers);
    if (po.len() > 0) attr.set_post_ops(po);
    return attr;
  }

  // The forward primitive descriptor with as many of the first `followers` as it
  // takes well: make(attr, dst) creates it for given attributes and output
  // layout (zero: the primitive's choice; a sum asks for the layout of the buffer
  // it adds into). A sum whose layout is refused, or post-ops that only oneDNN's
  // reference kernel accepts, are dropped: first from the sum on, then all.
  template <typename Make>
  auto forward_pd_with(size_t followers, const Make& make) {
    const auto try_with = [&](size_t n) { return make(forward_attr(n), chain_.required_dst(n)); };
    const size_t least = chain_.min_taken();
    auto pd = try_with(followers);
    size_t n = std::max(least, chain_.fitting(followers, pd.dst_desc()));
    if (n != followers) pd = try_with(n);
    if (n > least && is_reference(pd)) pd = try_with(n = std::max(least, chain_.before_sum(n)));
    if (n > least && is_reference(pd)) pd = try_with(n = least);
    return pd;
  }

  // The weight dims that index output channels: [out, ...], or [groups, out / groups, ...].
  static int output_channel_mask(const memory::desc& weights) { return weights.dims().size() == 5 ? 3 : 1; }

  template <typename PD>
  static bool is_reference(const PD& pd) {
    return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
  }

  // Binds a primitive's forward: src staged into the wanted layout, weights, bias.
  template <typename PD, typename Prim>
  void bind_forward_op(const PD& pd, const memory& src, const memory& dst) {
    src_ = stage_.input(src, pd.src_desc(), fwd_ops_);
    const memory weights = chain_.folded() ? kernel_.scaled_value_for(pd.weights_desc(), folded_scale_,
                                                                       output_channel_mask(pd.weights_desc()))
                                           : kernel_.value_for(pd.weights_desc());
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src_},
                                             {DNNL_ARG_WEIGHTS, weights},
                                             {DNNL_ARG_DST, act_.bind_forward(dst, stage_)}};
    if (chain_.folded()) {
      args.push_back({DNNL_ARG_BIAS, folded_bias_.mem()});
    } else if (has_bias_) {
      args.push_back({DNNL_ARG_BIAS, bias_.value_for(b_md_)});
    }
    chain_.add_args(args);
    add_scratchpad(args, pd, ctx_.scratchpad);
    fwd_ops_.push_back(Op(Prim(pd), std::move(args)));
  }

  template <typename PD, typename Prim>
  void bind_backward_weights_op(const PD& wpd, const memory& diff) {
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, stage_.input(src_, wpd.src_desc(), bwd_ops_)},
                                             {DNNL_ARG_DIFF_DST, stage_.input(diff, wpd.diff_dst_desc(), bwd_ops_)},
                                             {DNNL_ARG_DIFF_WEIGHTS, kernel_.grad_for(wpd.diff_weights_desc())}};
    if (has_bias_) args.push_back({DNNL_ARG_DIFF_BIAS, bias_.grad_for(b_md_)});
    add_scratchpad(args, wpd, ctx_.scratchpad);
    bwd_ops_.push_back(Op(Prim(wpd), std::move(args)));
  }

  template <typename PD, typename Prim>
  void bind_backward_data_op(const PD& dpd, const memory& diff, const memory& diff_src,
                             const memory& fwd_weights) {
    std::vector<Op> after;
    std::vector<std::pair<int, memory>> args{
        {DNNL_ARG_DIFF_DST, stage_.input(diff, dpd.diff_dst_desc(), bwd_ops_)},
        {DNNL_ARG_WEIGHTS, stage_.input(fwd_weights, dpd.weights_desc(), bwd_data_weights_ops_)},
        {DNNL_ARG_DIFF_SRC, stage_.output(diff_src, dpd.diff_src_desc(), after)}};
    add_scratchpad(args, dpd, ctx_.scratchpad);
    bwd_ops_.push_back(Op(Prim(dpd), std::move(args)));
    for (Op& op : after) bwd_ops_.push_back(std::move(op));
  }

  PlanContext ctx_;
  Staging stage_;
  FusedActivation act_;
  PostOpChain chain_;  // followers run as post-ops (inference)
  bool has_bias_;
  memory::desc b_md_;
  ParamView kernel_, bias_;
  Buffer folded_bias_;    // with a folded batch norm: the primitive's bias
  memory folded_scale_;   // and the scale its weights are multiplied by
  memory src_;
  std::vector<Op> fwd_ops_, bwd_ops_;
  // The kernel reordered into the backward-data primitive's layout: run in
  // forward, right after the forward primitive read the kernel (in cache then;
  // MobileNetV2's 28 such reorders 1.65 -> 1.17 ms a step against backward,
  // where the kernel is cold); the kernel does not change before backward.
  std::vector<Op> bwd_data_weights_ops_;
};

}  // namespace petal::detail
