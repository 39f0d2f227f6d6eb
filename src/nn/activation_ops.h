// Forward and backward of an activation function on one tensor layout, either as
// standalone oneDNN primitives or as a post-op fused into a convolution/dense.
#pragma once

#include <string>

#include "nn/eltwise_ops.h"
#include "nn/layer_plan.h"
#include "petal/layers/activations.h"

namespace petal::detail {

// The eltwise form of every activation but linear and softmax.
EltwiseSpec eltwise_spec(ActivationFn fn);

// The upper bound of a clamping activation fused into a layer's own loop
// (is_clamp: relu infinity, relu6 6); throws an internal error naming `where`
// for any other function.
float clamp_upper(ActivationFn fn, const std::string& where);

class ActivationOps {
 public:
  ActivationOps() = default;
  // softmax_axis: the oneDNN axis softmax normalises over (1: channels/features).
  ActivationOps(ActivationFn fn, const memory::desc& md, const PlanContext& ctx, int softmax_axis = 1);

  // Whether Conv2D/Dense can take `fn` as their own activation: as an eltwise
  // post-op, or (while training, when backward needs the pre-activation) as an
  // eltwise primitive after the producing one.
  static bool fusable(ActivationFn fn);
  // Whether backward can start from the output alone (so a post-op may fuse it
  // while training): false for swish and gelu.
  static bool backward_from_dst(ActivationFn fn);
  static void append_post_op(dnnl::post_ops& ops, ActivationFn fn);

  void bind_forward(const memory& src, const memory& dst);
  // src may be empty when backward_from_dst(fn); diff_src may alias diff_dst.
  void bind_backward(const memory& src, const memory& dst, const memory& diff_dst, const memory& diff_src);
  void forward(const dnnl::stream& s) const;
  void backward(const dnnl::stream& s) const;
  ActivationFn fn() const { return fn_; }

 private:
  ActivationFn fn_ = ActivationFn::Linear;
  memory::desc md_;
  PlanContext ctx_;
  int axis_ = 1;
  EltwiseOps eltwise_;
  Op fwd_, bwd_;  // softmax
};

}  // namespace petal::detail

namespace petal::detail {

// The `activation` argument of Conv2D and Dense: an eltwise post-op fused into the
// primitive (backward from its output), or a separate primitive after it (softmax;
// swish and gelu while training, whose backward needs the pre-activation). Also
// handles the fused-loss case where backward starts from the pre-activation.
class FusedActivation {
 public:
  FusedActivation() = default;
  // backward: whether the plan will run backward (PlanContext::backward).
  explicit FusedActivation(ActivationFn fn, bool backward = true);
  ActivationFn fn() const { return fn_; }
  // Adds the post-op to the primitive's attributes when the activation fuses.
  void add_post_op(dnnl::primitive_attr& attr) const;
  // Appends it to a post-op list when it fuses.
  void append_post_op(dnnl::post_ops& ops) const;
  // Whether it runs as its own primitive after the producing one.
  bool separate() const { return separate_; }
  // dst_md: the primitive's output layout. Call before binding.
  void plan(const memory::desc& dst_md, const PlanContext& ctx);
  // Returns the memory the primitive writes (dst itself unless a separate op follows).
  memory bind_forward(const memory& dst, Staging& stage);
  // Returns the memory holding d loss / d primitive-output for the backward primitives.
  memory bind_backward(const memory& diff_dst, Staging& stage);
  void forward(const dnnl::stream& s) const;
  void backward(const StepContext& step) const;

 private:
  ActivationFn fn_ = ActivationFn::Linear;
  bool separate_ = false;  // runs as its own primitive on a pre-activation buffer
  ActivationOps ops_;
  memory pre_, dst_;
  Op skip_copy_;  // softmax + fused loss: the given gradient is already pre-softmax
};

}  // namespace petal::detail
