// Eltwise primitives for one function: forward steps, backward from the output
// or the input, and the same function as post-ops.
#include "nn/eltwise_ops.h"

#include "petal/core/error.h"

namespace petal::detail {

namespace {

using dnnl::algorithm;

bool reads_dst(algorithm alg) {
  switch (alg) {
    case algorithm::eltwise_relu_use_dst_for_bwd:
    case algorithm::eltwise_tanh_use_dst_for_bwd:
    case algorithm::eltwise_elu_use_dst_for_bwd:
    case algorithm::eltwise_sqrt_use_dst_for_bwd:
    case algorithm::eltwise_logistic_use_dst_for_bwd:
    case algorithm::eltwise_exp_use_dst_for_bwd:
    case algorithm::eltwise_clip_v2_use_dst_for_bwd: return true;
    default: return false;
  }
}

}  // namespace

EltwiseSpec linear_spec(float scale, float offset) {
  EltwiseSpec s;
  s.main = {algorithm::eltwise_linear, scale, offset};
  s.has_from_dst = true;  // the derivative (scale) ignores its argument
  s.from_dst = algorithm::eltwise_linear;
  return s;
}

EltwiseOps::EltwiseOps(const EltwiseSpec& spec, const memory::desc& md, const PlanContext& ctx)
    : spec_(spec), md_(md), ctx_(ctx) {}

void EltwiseOps::append_post_ops(dnnl::post_ops& ops, const EltwiseSpec& spec) {
  if (spec.has_pre) ops.append_eltwise(1.0f, spec.pre.alg, spec.pre.alpha, spec.pre.beta);
  ops.append_eltwise(1.0f, spec.main.alg, spec.main.alpha, spec.main.beta);
}

Op EltwiseOps::forward_op(const EltwiseStep& step, const memory& src, const memory& dst) const {
  std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
  dnnl::eltwise_forward::primitive_desc pd({ctx_.forward_prop(), step.alg, md_, step.alpha, step.beta},
                                           scratch_attr(), ctx_.engine);
  add_scratchpad(args, pd, ctx_.scratchpad);
  return Op(dnnl::eltwise_forward(pd), std::move(args));
}

void EltwiseOps::bind_forward(const memory& src, const memory& dst) {
  fwd_.clear();
  if (spec_.has_pre) {
    fwd_.push_back(forward_op(spec_.pre, src, dst));
    fwd_.push_back(forward_op(spec_.main, dst, dst));  // in place
    return;
  }
  fwd_.push_back(forward_op(spec_.main, src, dst));
}

// `data` is the output for *_use_dst_for_bwd algorithms, the input otherwise.
Op EltwiseOps::backward_op(algorithm alg, const EltwiseStep& step, const memory& data, const memory& diff_dst,
                           const memory& diff_src) const {
  std::vector<std::pair<int, memory>> args{
      {reads_dst(alg) ? DNNL_ARG_DST : DNNL_ARG_SRC, data}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}};
  dnnl::eltwise_forward::primitive_desc hint({dnnl::prop_kind::forward_training, alg, md_, step.alpha, step.beta},
                                             ctx_.engine);
  dnnl::eltwise_backward::primitive_desc pd({alg, md_, md_, step.alpha, step.beta}, scratch_attr(), ctx_.engine,
                                            hint);
  add_scratchpad(args, pd, ctx_.scratchpad);
  return Op(dnnl::eltwise_backward(pd), std::move(args));
}

void EltwiseOps::bind_backward(const memory& src, const memory& dst, const memory& diff_dst,
                               const memory& diff_src) {
  bwd_.clear();
  if (spec_.has_from_dst) {
    bwd_.push_back(backward_op(spec_.from_dst, spec_.main, dst, diff_dst, diff_src));
    // d pre / dx is the pre-step's constant scale; its backward ignores the data.
    if (spec_.has_pre) bwd_.push_back(backward_op(algorithm::eltwise_linear, spec_.pre, dst, diff_src, diff_src));
    return;
  }
  if (spec_.has_pre || !src) throw Error("internal: eltwise backward needs the forward input");
  bwd_.push_back(backward_op(spec_.main.alg, spec_.main, src, diff_dst, diff_src));
}

}  // namespace petal::detail
