// Conv2D on oneDNN: forward with bias and activation fused as a post-op,
// backward-data and backward-weights, layouts chosen by oneDNN.
#include <string>

#include "nn/weighted_plan.h"
#include "petal/layers/activations.h"
#include "petal/layers/conv2d.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::algorithm;
using dnnl::prop_kind;

memory::desc bias_md(const Conv2D& layer) {
  if (!layer.options().use_bias) return {};
  return memory::desc({layer.options().filters}, memory::data_type::f32, Tag::x);
}

memory::desc kernel_md(const Conv2D& layer, Tag tag) {
  const auto& o = layer.options();
  return memory::desc({o.filters, layer.input_shape()[2], o.kernel_size[0], o.kernel_size[1]},
                      memory::data_type::f32, tag);
}

class Conv2DPlan final : public WeightedPlan {
 public:
  Conv2DPlan(Conv2D& layer, const PlanContext& ctx)
      : WeightedPlan(ctx, own_or_fused(ctx, layer.options().activation), layer.params(),
                     kernel_md(layer, Tag::hwio), bias_md(layer)) {
    const auto p = layer.pads();
    strides_ = {layer.options().strides[0], layer.options().strides[1]};
    pad_l_ = {p[0], p[1]};
    pad_r_ = {p[2], p[3]};
    src_any_ = any_md(with_batch(ctx.batch, layer.input_shape()));
    dst_any_ = any_md(with_batch(ctx.batch, layer.output_shape()));
    w_any_ = kernel_md(layer, Tag::any);
    dnnl::primitive_attr attr = scratch_attr();
    act_.add_post_op(attr);
    // oneDNN's "auto" picks Winograd even for a 3-channel input, where it is 4x
    // slower than direct; Winograd pays only with many channels.
    algorithm_ = ctx.conv_algorithm;
    if (layer.input_shape()[2] < 16 || layer.options().filters < 16) algorithm_ = algorithm::convolution_direct;
    fwd_pd_ = forward_pd(ctx, attr);
    dst_md_ = fwd_pd_.dst_desc();
    act_.plan(dst_md_, ctx);
  }

  void bind(const memory& src, const memory& dst) override {
    bind_forward_op<decltype(fwd_pd_), dnnl::convolution_forward>(fwd_pd_, src, dst);
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    const memory diff = act_.bind_backward(diff_dst, stage_);
    dnnl::convolution_backward_weights::primitive_desc wpd = backward_weights_pd();
    bind_backward_weights_op<decltype(wpd), dnnl::convolution_backward_weights>(wpd, diff);
    if (!ctx_.need_diff_src) return;
    dnnl::convolution_backward_data::primitive_desc dpd(
        {algorithm_, src_any_, w_any_, dst_any_, strides_, pad_l_, pad_r_}, scratch_attr(),
        ctx_.engine, fwd_pd_);
    bind_backward_data_op<decltype(dpd), dnnl::convolution_backward_data>(
        dpd, diff, diff_src, kernel_.value_for(fwd_pd_.weights_desc()));
  }

 private:
  // oneDNN's "auto" picks direct (brgconv) for inference even where its
  // Winograd kernel is ~2x faster: with auto, ask for Winograd first.
  dnnl::convolution_forward::primitive_desc forward_pd(const PlanContext& ctx, const dnnl::primitive_attr& attr) {
    if (algorithm_ == algorithm::convolution_auto) {
      try {
        return {{ctx.forward_prop(), algorithm::convolution_winograd, src_any_, w_any_, b_md_, dst_any_, strides_,
                 pad_l_, pad_r_},
                attr, ctx.engine};
      } catch (const dnnl::error&) {
        // not supported for this shape: oneDNN's choice below
      }
    }
    return {{ctx.forward_prop(), algorithm_, src_any_, w_any_, b_md_, dst_any_, strides_, pad_l_, pad_r_}, attr,
            ctx.engine};
  }

  // oneDNN's "auto" keeps backward-weights direct even where its Winograd
  // kernel is ~1.8x faster (MiniVGGNet's 32- and 64-channel layers): ask for
  // Winograd first when the forward pass uses it.
  dnnl::convolution_backward_weights::primitive_desc backward_weights_pd() const {
    if (algorithm_ == algorithm::convolution_auto && std::string(fwd_pd_.impl_info_str()).find("wino") != std::string::npos) {
      try {
        return {{algorithm::convolution_winograd, src_any_, w_any_, b_md_, dst_any_, strides_, pad_l_, pad_r_},
                scratch_attr(), ctx_.engine, fwd_pd_};
      } catch (const dnnl::error&) {
        // not supported for this shape: fall through to oneDNN's choice
      }
    }
    return {{algorithm_, src_any_, w_any_, b_md_, dst_any_, strides_, pad_l_, pad_r_}, scratch_attr(), ctx_.engine,
            fwd_pd_};
  }

  algorithm algorithm_;
  Dims strides_, pad_l_, pad_r_;
  memory::desc src_any_, dst_any_, w_any_;
  dnnl::convolution_forward::primitive_desc fwd_pd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> Conv2D::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<Conv2DPlan>(*this, ctx);
}

}  // namespace petal
