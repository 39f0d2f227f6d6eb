// Activation primitives: eltwise (relu, leaky_relu, elu, tanh, sigmoid, relu6,
// swish, hard_sigmoid, gelu) and softmax.
#include "nn/activation_ops.h"

#include <limits>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

using dnnl::algorithm;

EltwiseSpec spec(algorithm fwd, float alpha, float beta, algorithm from_dst) {
  EltwiseSpec s;
  s.main = {fwd, alpha, beta};
  s.has_from_dst = true;
  s.from_dst = from_dst;
  return s;
}

EltwiseSpec spec_from_src(algorithm fwd, float alpha) {
  EltwiseSpec s;
  s.main = {fwd, alpha, 0.0f};
  return s;
}

}  // namespace

// The *_use_dst_for_bwd variants let backward read the output, which is what
// fused post-ops leave behind (the pre-activation values are never stored).
// oneDNN 2.6 has no hard-sigmoid algorithm: a linear step, then clip_v2.
EltwiseSpec eltwise_spec(ActivationFn fn) {
  switch (fn) {
    case ActivationFn::Relu: return spec(algorithm::eltwise_relu, 0.0f, 0.0f, algorithm::eltwise_relu_use_dst_for_bwd);
    case ActivationFn::LeakyRelu:
      return spec(algorithm::eltwise_relu, kLeakyReluSlope, 0.0f, algorithm::eltwise_relu_use_dst_for_bwd);
    case ActivationFn::Elu: return spec(algorithm::eltwise_elu, 1.0f, 0.0f, algorithm::eltwise_elu_use_dst_for_bwd);
    case ActivationFn::Tanh: return spec(algorithm::eltwise_tanh, 0.0f, 0.0f, algorithm::eltwise_tanh_use_dst_for_bwd);
    case ActivationFn::Sigmoid:
      return spec(algorithm::eltwise_logistic, 0.0f, 0.0f, algorithm::eltwise_logistic_use_dst_for_bwd);
    case ActivationFn::Relu6:
      return spec(algorithm::eltwise_clip_v2, 0.0f, 6.0f, algorithm::eltwise_clip_v2_use_dst_for_bwd);
    case ActivationFn::HardSigmoid: {
      EltwiseSpec s = spec(algorithm::eltwise_clip_v2, 0.0f, 1.0f, algorithm::eltwise_clip_v2_use_dst_for_bwd);
      s.has_pre = true;
      s.pre = {algorithm::eltwise_linear, 0.2f, 0.5f};
      return s;
    }
    case ActivationFn::Swish: return spec_from_src(algorithm::eltwise_swish, 1.0f);
    case ActivationFn::Gelu: return spec_from_src(algorithm::eltwise_gelu_erf, 0.0f);
    default: throw Error("internal: " + to_string(fn) + " is not an eltwise activation");
  }
}

float clamp_upper(ActivationFn fn, const std::string& where) {
  if (!is_clamp(fn)) throw Error("internal: " + where + " was given a fused " + to_string(fn) + " activation.");
  return fn == ActivationFn::Relu6 ? 6.0f : std::numeric_limits<float>::infinity();
}

bool ActivationOps::fusable(ActivationFn fn) {
  return fn != ActivationFn::Linear && fn != ActivationFn::Softmax;
}

bool ActivationOps::backward_from_dst(ActivationFn fn) {
  return fusable(fn) && eltwise_spec(fn).backward_from_dst();
}

void ActivationOps::append_post_op(dnnl::post_ops& ops, ActivationFn fn) {
  EltwiseOps::append_post_ops(ops, eltwise_spec(fn));
}

ActivationOps::ActivationOps(ActivationFn fn, const memory::desc& md, const PlanContext& ctx, int softmax_axis)
    : fn_(fn), md_(md), ctx_(ctx), axis_(softmax_axis) {
  if (fusable(fn)) eltwise_ = EltwiseOps(eltwise_spec(fn), md, ctx);
}

void ActivationOps::bind_forward(const memory& src, const memory& dst) {
  if (fn_ != ActivationFn::Softmax) {
    eltwise_.bind_forward(src, dst);
    return;
  }
  std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
  dnnl::softmax_forward::primitive_desc pd({ctx_.forward_prop(), md_, axis_}, scratch_attr(), ctx_.engine);
  add_scratchpad(args, pd, ctx_.scratchpad);
  fwd_ = Op(dnnl::softmax_forward(pd), std::move(args));
}

void ActivationOps::bind_backward(const memory& src, const memory& dst, const memory& diff_dst,
                                  const memory& diff_src) {
  if (fn_ != ActivationFn::Softmax) {
    eltwise_.bind_backward(src, dst, diff_dst, diff_src);
    return;
  }
  std::vector<std::pair<int, memory>> args{
      {DNNL_ARG_DST, dst}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}};
  dnnl::softmax_forward::primitive_desc hint({dnnl::prop_kind::forward_training, md_, axis_}, ctx_.engine);
  dnnl::softmax_backward::primitive_desc pd({md_, md_, axis_}, scratch_attr(), ctx_.engine, hint);
  add_scratchpad(args, pd, ctx_.scratchpad);
  bwd_ = Op(dnnl::softmax_backward(pd), std::move(args));
}

void ActivationOps::forward(const dnnl::stream& s) const {
  if (fn_ == ActivationFn::Softmax) {
    fwd_.run(s);
  } else {
    eltwise_.forward(s);
  }
}

void ActivationOps::backward(const dnnl::stream& s) const {
  if (fn_ == ActivationFn::Softmax) {
    bwd_.run(s);
  } else {
    eltwise_.backward(s);
  }
}

}  // namespace petal::detail

namespace petal::detail {

FusedActivation::FusedActivation(ActivationFn fn, bool backward)
    : fn_(fn),
      separate_(fn == ActivationFn::Softmax || (backward && ActivationOps::fusable(fn) &&
                                                 !ActivationOps::backward_from_dst(fn))) {}

void FusedActivation::add_post_op(dnnl::primitive_attr& attr) const {
  if (!ActivationOps::fusable(fn_) || separate_) return;
  dnnl::post_ops po;
  ActivationOps::append_post_op(po, fn_);
  attr.set_post_ops(po);
}

void FusedActivation::append_post_op(dnnl::post_ops& ops) const {
  if (ActivationOps::fusable(fn_) && !separate_) ActivationOps::append_post_op(ops, fn_);
}

void FusedActivation::plan(const memory::desc& dst_md, const PlanContext& ctx) {
  if (fn_ != ActivationFn::Linear) ops_ = ActivationOps(fn_, dst_md, ctx);
}

memory FusedActivation::bind_forward(const memory& dst, Staging& stage) {
  dst_ = dst;
  if (!separate_) return dst;
  pre_ = stage.scratch(dst.get_desc());
  ops_.bind_forward(pre_, dst);
  return pre_;
}

memory FusedActivation::bind_backward(const memory& diff_dst, Staging& stage) {
  if (fn_ == ActivationFn::Linear) return diff_dst;
  if (fn_ != ActivationFn::Softmax) {
    ops_.bind_backward(pre_, dst_, diff_dst, diff_dst);  // in place
    return diff_dst;
  }
  memory diff_pre = stage.scratch(diff_dst.get_desc());
  ops_.bind_backward(pre_, dst_, diff_dst, diff_pre);
  skip_copy_ = make_reorder(diff_dst, diff_pre);
  return diff_pre;
}

void FusedActivation::forward(const dnnl::stream& s) const {
  if (separate_) ops_.forward(s);
}

void FusedActivation::backward(const StepContext& step) const {
  if (fn_ == ActivationFn::Linear) return;
  if (!step.pre_activation_grad) {
    ops_.backward(step.stream);
  } else if (fn_ == ActivationFn::Softmax) {
    skip_copy_.run(step.stream);
  }
}

}  // namespace petal::detail
