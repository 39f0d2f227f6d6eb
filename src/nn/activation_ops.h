// Forward and backward of an activation function on one tensor layout, either as
// standalone oneDNN primitives or as a post-op fused into a convolution/dense.
#pragma once

#include "nn/layer_plan.h"
#include "petal/layers/activations.h"

namespace petal::detail {

class ActivationOps {
 public:
  ActivationOps() = default;
  ActivationOps(ActivationFn fn, const memory::desc& md, const PlanContext& ctx);

  // Whether `fn` can run as an eltwise post-op of the producing primitive.
  static bool fusable(ActivationFn fn);
  static void append_post_op(dnnl::post_ops& ops, ActivationFn fn);

  void bind_forward(const memory& src, const memory& dst);
  // Backward from the activation's output: diff_src may alias diff_dst.
  void bind_backward(const memory& dst, const memory& diff_dst, const memory& diff_src);
  void forward(const dnnl::stream& s) const { fwd_.run(s); }
  void backward(const dnnl::stream& s) const { bwd_.run(s); }
  ActivationFn fn() const { return fn_; }

 private:
  ActivationFn fn_ = ActivationFn::Linear;
  memory::desc md_;
  PlanContext ctx_;
  Op fwd_, bwd_;
};

}  // namespace petal::detail

namespace petal::detail {

// The `activation` argument of Conv2D and Dense: an eltwise post-op fused into the
// primitive (backward from its output), or a separate softmax after it. Also
// handles the fused-loss case where backward starts from the pre-activation.
class FusedActivation {
 public:
  FusedActivation() = default;
  explicit FusedActivation(ActivationFn fn) : fn_(fn) {}
  ActivationFn fn() const { return fn_; }
  // Adds the post-op to the primitive's attributes when the activation fuses.
  void add_post_op(dnnl::primitive_attr& attr) const;
  // dst_md: the primitive's output layout. Call before binding.
  void plan(const memory::desc& dst_md, const PlanContext& ctx);
  // Returns the memory the primitive writes (dst itself unless softmax follows).
  memory bind_forward(const memory& dst, Staging& stage);
  // Returns the memory holding d loss / d primitive-output for the backward primitives.
  memory bind_backward(const memory& diff_dst, Staging& stage);
  void forward(const dnnl::stream& s) const;
  void backward(const StepContext& step) const;

 private:
  ActivationFn fn_ = ActivationFn::Linear;
  ActivationOps ops_;
  memory dst_;
  Op skip_copy_;  // softmax + fused loss: the given gradient is already pre-softmax
};

}  // namespace petal::detail
