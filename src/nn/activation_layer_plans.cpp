// Plans of ReLU, LeakyReLU, ELU and Softmax: oneDNN eltwise/softmax primitives,
// and a loop for the ReLU forms oneDNN lacks (a threshold, or a cap together
// with a negative slope).
#include <algorithm>
#include <cmath>
#include <limits>

#include "layers/keras_axes.h"
#include "nn/activation_ops.h"
#include "nn/eltwise_plan.h"
#include "petal/layers/activation_layers.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::algorithm;

// y = x > t ? min(x, cap) : slope * (x - t), as Keras's backend.relu. oneDNN's
// relu has no threshold and clip_v2 no negative slope.
class ThresholdReluPlan final : public LayerPlan {
 public:
  ThresholdReluPlan(const PlanContext& ctx, const Shape& in, const ReLUOptions& o)
      : ctx_(ctx), stage_(ctx.engine), t_(o.threshold), slope_(o.negative_slope),
        cap_(o.max_value ? *o.max_value : std::numeric_limits<float>::infinity()) {
    // f(0) may be nonzero: never write it into a blocked layout's padding.
    md_ = has_padding(ctx.src_md) ? plain_md(with_batch(ctx.batch, in)) : ctx.src_md;
    dst_md_ = md_;
    n_ = floats_of(md_);
  }
  void bind(const memory& src, const memory& dst) override {
    src_ = stage_.input(src, md_, before_);
    dst_ = dst;
  }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    diff_dst_ = diff_dst;
    if (ctx_.need_diff_src) diff_src_ = stage_.output(diff_src, md_, after_);
  }
  void forward(StepContext& step) override {
    run_all(before_, step.stream);
    step.stream.wait();
    const auto* x = static_cast<const float*>(src_.get_data_handle());
    auto* y = static_cast<float*>(dst_.get_data_handle());
    const float t = t_, slope = slope_, cap = cap_;
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n_; ++i) y[i] = x[i] > t ? std::min(x[i], cap) : slope * (x[i] - t);
  }
  void backward(StepContext& step) override {
    if (!diff_src_) return;
    step.stream.wait();
    const auto* x = static_cast<const float*>(src_.get_data_handle());
    const auto* dy = static_cast<const float*>(diff_dst_.get_data_handle());
    auto* dx = static_cast<float*>(diff_src_.get_data_handle());
    const float t = t_, slope = slope_, cap = cap_;
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n_; ++i) dx[i] = x[i] > t ? (x[i] < cap ? dy[i] : 0.0f) : slope * dy[i];
    run_all(after_, step.stream);
  }

 private:
  PlanContext ctx_;
  Staging stage_;
  float t_, slope_, cap_;
  memory::desc md_;
  int64_t n_ = 0;
  memory src_, dst_, diff_dst_, diff_src_;
  std::vector<Op> before_, after_;
};

// Softmax over one oneDNN axis; with a fused loss (last layer, softmax over the
// classes) the given gradient is already the pre-softmax one.
class SoftmaxPlan final : public LayerPlan {
 public:
  SoftmaxPlan(const PlanContext& ctx, int axis)
      : ctx_(ctx), axis_(axis), ops_(ActivationFn::Softmax, ctx.src_md, ctx, axis) {
    dst_md_ = ctx.src_md;
  }
  bool ends_in_softmax() const override { return axis_ == 1; }
  void bind(const memory& src, const memory& dst) override {
    dst_ = dst;
    ops_.bind_forward(src, dst);
  }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (!ctx_.need_diff_src) return;
    ops_.bind_backward(memory(), dst_, diff_dst, diff_src);
    pass_through_ = make_reorder(diff_dst, diff_src);
  }
  void forward(StepContext& step) override { ops_.forward(step.stream); }
  void backward(StepContext& step) override {
    if (!ctx_.need_diff_src) return;
    if (step.pre_activation_grad) {
      pass_through_.run(step.stream);
    } else {
      ops_.backward(step.stream);
    }
  }

 private:
  PlanContext ctx_;
  int axis_;
  ActivationOps ops_;
  memory dst_;
  Op pass_through_;
};

}  // namespace

namespace detail {

// relu_use_dst_for_bwd needs slope >= 0 to tell the sides apart from the output.
EltwiseSpec relu_like(float slope) {
  return spec_with_dst_backward({algorithm::eltwise_relu, slope, 0.0f}, slope >= 0.0f,
                                algorithm::eltwise_relu_use_dst_for_bwd);
}

std::optional<EltwiseSpec> relu_layer_spec(const ReLUOptions& o) {
  if (o.threshold == 0.0f && !o.max_value) return relu_like(o.negative_slope);
  if (o.threshold == 0.0f && o.negative_slope == 0.0f) {
    return spec_with_dst_backward({algorithm::eltwise_clip_v2, 0.0f, *o.max_value}, true,
                                  algorithm::eltwise_clip_v2_use_dst_for_bwd);
  }
  return std::nullopt;
}

// From the output, x <= 0 shows as y <= 0 only when alpha >= 0.
EltwiseSpec elu_layer_spec(float alpha) {
  return spec_with_dst_backward({algorithm::eltwise_elu, alpha, 0.0f}, alpha >= 0.0f,
                                algorithm::eltwise_elu_use_dst_for_bwd);
}

}  // namespace detail

std::unique_ptr<detail::LayerPlan> ReLU::make_plan(const detail::PlanContext& ctx) {
  if (const auto spec = relu_layer_spec(options_)) return make_eltwise_plan(ctx, *spec);
  return std::make_unique<ThresholdReluPlan>(ctx, input_shape(), options_);
}

std::unique_ptr<detail::LayerPlan> LeakyReLU::make_plan(const detail::PlanContext& ctx) {
  return make_eltwise_plan(ctx, relu_like(options_.alpha));
}

std::unique_ptr<detail::LayerPlan> ELU::make_plan(const detail::PlanContext& ctx) {
  return make_eltwise_plan(ctx, elu_layer_spec(options_.alpha));
}

std::unique_ptr<detail::LayerPlan> Softmax::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<SoftmaxPlan>(ctx, dnnl_axis(resolved_axis_, input_shape().size()));
}

}  // namespace petal
