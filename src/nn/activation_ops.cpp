// Activation primitives: eltwise (relu, leaky_relu, elu, tanh, sigmoid) and softmax.
#include "nn/activation_ops.h"

#include "petal/core/error.h"

namespace petal::detail {

namespace {

using dnnl::algorithm;

struct EltwiseAlg {
  algorithm alg;
  float alpha;
};

// The *_use_dst_for_bwd variants let backward read the output, which is what
// fused post-ops leave behind (the pre-activation values are never stored).
EltwiseAlg eltwise_alg(ActivationFn fn) {
  switch (fn) {
    case ActivationFn::Relu: return {algorithm::eltwise_relu_use_dst_for_bwd, 0.0f};
    case ActivationFn::LeakyRelu: return {algorithm::eltwise_relu_use_dst_for_bwd, kLeakyReluSlope};
    case ActivationFn::Elu: return {algorithm::eltwise_elu_use_dst_for_bwd, 1.0f};
    case ActivationFn::Tanh: return {algorithm::eltwise_tanh_use_dst_for_bwd, 0.0f};
    case ActivationFn::Sigmoid: return {algorithm::eltwise_logistic_use_dst_for_bwd, 0.0f};
    default: throw Error("internal: " + to_string(fn) + " is not an eltwise activation");
  }
}

}  // namespace

bool ActivationOps::fusable(ActivationFn fn) {
  return fn != ActivationFn::Linear && fn != ActivationFn::Softmax;
}

void ActivationOps::append_post_op(dnnl::post_ops& ops, ActivationFn fn) {
  // Post-ops take the plain algorithms; the forward values are identical.
  static constexpr struct {
    ActivationFn fn;
    algorithm alg;
  } kPlain[] = {{ActivationFn::Relu, algorithm::eltwise_relu},
                {ActivationFn::LeakyRelu, algorithm::eltwise_relu},
                {ActivationFn::Elu, algorithm::eltwise_elu},
                {ActivationFn::Tanh, algorithm::eltwise_tanh},
                {ActivationFn::Sigmoid, algorithm::eltwise_logistic}};
  const EltwiseAlg e = eltwise_alg(fn);
  for (const auto& p : kPlain) {
    if (p.fn == fn) ops.append_eltwise(1.0f, p.alg, e.alpha, 0.0f);
  }
}

ActivationOps::ActivationOps(ActivationFn fn, const memory::desc& md, const PlanContext& ctx)
    : fn_(fn), md_(md), ctx_(ctx) {}

void ActivationOps::bind_forward(const memory& src, const memory& dst) {
  const auto prop = ctx_.forward_prop();
  std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
  if (fn_ == ActivationFn::Softmax) {
    dnnl::softmax_forward::primitive_desc pd({prop, md_, 1}, scratch_attr(), ctx_.engine);
    add_scratchpad(args, pd, ctx_.scratchpad);
    fwd_ = Op(dnnl::softmax_forward(pd), std::move(args));
    return;
  }
  const EltwiseAlg e = eltwise_alg(fn_);
  dnnl::eltwise_forward::primitive_desc pd({prop, e.alg, md_, e.alpha, 0.0f}, scratch_attr(), ctx_.engine);
  add_scratchpad(args, pd, ctx_.scratchpad);
  fwd_ = Op(dnnl::eltwise_forward(pd), std::move(args));
}

void ActivationOps::bind_backward(const memory& dst, const memory& diff_dst, const memory& diff_src) {
  std::vector<std::pair<int, memory>> args{
      {DNNL_ARG_DST, dst}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}};
  if (fn_ == ActivationFn::Softmax) {
    dnnl::softmax_forward::primitive_desc hint({dnnl::prop_kind::forward_training, md_, 1}, ctx_.engine);
    dnnl::softmax_backward::primitive_desc pd({md_, md_, 1}, scratch_attr(), ctx_.engine, hint);
    add_scratchpad(args, pd, ctx_.scratchpad);
    bwd_ = Op(dnnl::softmax_backward(pd), std::move(args));
    return;
  }
  const EltwiseAlg e = eltwise_alg(fn_);
  dnnl::eltwise_forward::primitive_desc hint({dnnl::prop_kind::forward_training, e.alg, md_, e.alpha, 0.0f},
                                             ctx_.engine);
  dnnl::eltwise_backward::primitive_desc pd({e.alg, md_, md_, e.alpha, 0.0f}, scratch_attr(), ctx_.engine,
                                            hint);
  add_scratchpad(args, pd, ctx_.scratchpad);
  bwd_ = Op(dnnl::eltwise_backward(pd), std::move(args));
}

}  // namespace petal::detail

namespace petal::detail {

void FusedActivation::add_post_op(dnnl::primitive_attr& attr) const {
  if (!ActivationOps::fusable(fn_)) return;
  dnnl::post_ops po;
  ActivationOps::append_post_op(po, fn_);
  attr.set_post_ops(po);
}

void FusedActivation::plan(const memory::desc& dst_md, const PlanContext& ctx) {
  if (fn_ != ActivationFn::Linear) ops_ = ActivationOps(fn_, dst_md, ctx);
}

memory FusedActivation::bind_forward(const memory& dst, Staging& stage) {
  dst_ = dst;
  if (fn_ != ActivationFn::Softmax) return dst;
  memory pre = stage.scratch(dst.get_desc());
  ops_.bind_forward(pre, dst);
  return pre;
}

memory FusedActivation::bind_backward(const memory& diff_dst, Staging& stage) {
  if (fn_ == ActivationFn::Linear) return diff_dst;
  if (fn_ != ActivationFn::Softmax) {
    ops_.bind_backward(dst_, diff_dst, diff_dst);  // in place
    return diff_dst;
  }
  memory diff_pre = stage.scratch(diff_dst.get_desc());
  ops_.bind_backward(dst_, diff_dst, diff_pre);
  skip_copy_ = make_reorder(diff_dst, diff_pre);
  return diff_pre;
}

void FusedActivation::forward(const dnnl::stream& s) const {
  if (fn_ == ActivationFn::Softmax) ops_.forward(s);
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
