// An elementwise function in oneDNN terms (algorithm, alpha, beta, and how its
// backward reads), shared by eltwise primitives and post-ops.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace petal::detail {

struct EltwiseStep {
  dnnl::algorithm alg = dnnl::algorithm::eltwise_linear;
  float alpha = 1.0f, beta = 0.0f;
};

// y = main(pre(x)) when has_pre (hard_sigmoid: clip(0.2 x + 0.5, 0, 1)), else main(x).
// Backward reads the output when `from_dst` names an algorithm that can
// (a *_use_dst_for_bwd one, or linear, whose derivative ignores its argument);
// otherwise it needs the input, which fused post-ops never store.
struct EltwiseSpec {
  EltwiseStep main;
  bool has_pre = false;
  EltwiseStep pre;  // always eltwise_linear
  bool has_from_dst = false;
  dnnl::algorithm from_dst = dnnl::algorithm::eltwise_linear;

  bool backward_from_dst() const { return has_from_dst; }
};

// main(x), with backward from the output through `from_dst` when `dst_ok`.
inline EltwiseSpec spec_with_dst_backward(EltwiseStep main, bool dst_ok, dnnl::algorithm from_dst) {
  EltwiseSpec s;
  s.main = main;
  s.has_from_dst = dst_ok;
  s.from_dst = from_dst;
  return s;
}

// y = alpha * x + beta (Rescaling).
EltwiseSpec linear_spec(float scale, float offset);

}  // namespace petal::detail
