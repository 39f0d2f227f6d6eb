// One elementwise function run as oneDNN eltwise primitives (forward and
// backward on one layout) or appended as post-ops to a producing primitive.
#pragma once

#include "nn/eltwise_spec.h"
#include "nn/layer_plan.h"

namespace petal::detail {

class EltwiseOps {
 public:
  EltwiseOps() = default;
  EltwiseOps(const EltwiseSpec& spec, const memory::desc& md, const PlanContext& ctx);

  // Appends the forward as post-ops (pre-step first).
  static void append_post_ops(dnnl::post_ops& ops, const EltwiseSpec& spec);

  void bind_forward(const memory& src, const memory& dst);
  // Backward from the output when the spec allows it, else from src (which
  // must then be given). diff_src may alias diff_dst.
  void bind_backward(const memory& src, const memory& dst, const memory& diff_dst, const memory& diff_src);
  void forward(const dnnl::stream& s) const { run_all(fwd_, s); }
  void backward(const dnnl::stream& s) const { run_all(bwd_, s); }

 private:
  Op forward_op(const EltwiseStep& step, const memory& src, const memory& dst) const;
  Op backward_op(dnnl::algorithm alg, const EltwiseStep& step, const memory& data, const memory& diff_dst,
                 const memory& diff_src) const;

  EltwiseSpec spec_;
  memory::desc md_;
  PlanContext ctx_;
  std::vector<Op> fwd_, bwd_;
};

}  // namespace petal::detail
