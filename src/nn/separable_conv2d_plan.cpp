// SeparableConv2D on oneDNN: a depthwise ConvPlan (groups = input channels, no
// bias) into an intermediate buffer, then a 1x1 ConvPlan with bias and activation.
#include "nn/conv_plan.h"
#include "petal/layers/separable_conv2d.h"

namespace petal {

namespace {

using namespace detail;

class SeparablePlan final : public LayerPlan {
 public:
  SeparablePlan(SeparableConv2D& layer, const PlanContext& ctx) : engine_(ctx.engine) {
    const auto& o = layer.options();
    const auto ps = layer.params();
    const Shape& in = layer.input_shape();
    const Shape mid{layer.output_shape()[0], layer.output_shape()[1], in[2] * o.depth_multiplier};
    ConvSpec dw;
    dw.kernel = ps[0];
    dw.kernel_md = keras_conv_kernel_md(o.kernel_size[0], o.kernel_size[1], in[2], mid[2], in[2]);
    dw.src_shape = in;
    dw.dst_shape = mid;
    const auto p = layer.pads();
    dw.strides = {o.strides[0], o.strides[1]};
    dw.dilates = {o.dilation_rate[0] - 1, o.dilation_rate[1] - 1};
    dw.pad_l = {p[0], p[1]};
    dw.pad_r = {p[2], p[3]};
    PlanContext dw_ctx = ctx;
    dw_ctx.fused_activation = ActivationFn::Linear;
    dw_ctx.post_ops.clear();  // followers go after the pointwise step
    depthwise_ = std::make_unique<ConvPlan>(dw, dw_ctx);

    ConvSpec pw;
    pw.kernel = ps[1];
    pw.bias = o.use_bias ? ps[2] : nullptr;
    pw.kernel_md = keras_conv_kernel_md(1, 1, mid[2], o.filters, 1);
    pw.src_shape = mid;
    pw.dst_shape = layer.output_shape();
    pw.strides = {1, 1};
    pw.dilates = {0, 0};
    pw.pad_l = pw.pad_r = {0, 0};
    pw.activation = own_or_fused(ctx, o.activation);
    PlanContext pw_ctx = ctx;
    pw_ctx.src_md = depthwise_->dst_md();
    pw_ctx.need_diff_src = true;
    pointwise_ = std::make_unique<ConvPlan>(pw, pw_ctx);
    mid_ = Buffer(depthwise_->dst_md(), engine_);
    dst_md_ = pointwise_->dst_md();
  }

  bool ends_in_softmax() const override { return pointwise_->ends_in_softmax(); }
  bool ends_in_sigmoid() const override { return pointwise_->ends_in_sigmoid(); }
  size_t fused_followers() const override { return pointwise_->fused_followers(); }

  void bind(const memory& src, const memory& dst) override {
    depthwise_->bind(src, mid_.mem());
    pointwise_->bind(mid_.mem(), dst);
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    diff_mid_ = Buffer(depthwise_->dst_md(), engine_);
    pointwise_->bind_backward(diff_dst, diff_mid_.mem());
    depthwise_->bind_backward(diff_mid_.mem(), diff_src);
  }

  void forward(StepContext& step) override {
    depthwise_->forward(step);
    pointwise_->forward(step);
  }

  void backward(StepContext& step) override {
    pointwise_->backward(step);
    const bool pre = step.pre_activation_grad;
    step.pre_activation_grad = false;  // only the pointwise step ends in the activation
    depthwise_->backward(step);
    step.pre_activation_grad = pre;
  }

 private:
  dnnl::engine engine_;
  std::unique_ptr<ConvPlan> depthwise_, pointwise_;
  Buffer mid_;       // [N, H', W', in * depth_multiplier] in the depthwise output's layout
  Buffer diff_mid_;  // its gradient
};

}  // namespace

std::unique_ptr<detail::LayerPlan> SeparableConv2D::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<SeparablePlan>(*this, ctx);
}

}  // namespace petal
