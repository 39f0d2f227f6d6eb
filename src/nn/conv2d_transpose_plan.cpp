// Conv2DTranspose on oneDNN's deconvolution: forward with bias and activation
// fused, backward-data (a convolution) and backward-weights, layouts by oneDNN.
#include "nn/weighted_plan.h"
#include "petal/layers/conv2d_transpose.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::algorithm;

// Keras's kernel [kh, kw, filters, in] as oneDNN deconvolution weights [filters, in, kh, kw].
memory::desc keras_kernel_md(const Conv2DTranspose& layer) {
  const auto& o = layer.options();
  const int64_t kh = o.kernel_size[0], kw = o.kernel_size[1], out = o.filters, in = layer.input_shape()[2];
  return memory::desc({out, in, kh, kw}, memory::data_type::f32, Dims{in, 1, kw * out * in, out * in});
}

memory::desc bias_md(const Conv2DTranspose& layer) {
  if (!layer.options().use_bias) return {};
  return memory::desc({layer.options().filters}, memory::data_type::f32, Tag::x);
}

class DeconvPlan final : public WeightedPlan {
 public:
  DeconvPlan(Conv2DTranspose& layer, const PlanContext& ctx)
      : WeightedPlan(ctx, own_or_fused(ctx, layer.options().activation), layer.params(), keras_kernel_md(layer),
                     bias_md(layer)) {
    const auto& o = layer.options();
    const auto p = layer.pads();
    strides_ = {o.strides[0], o.strides[1]};
    dilates_ = {o.dilation_rate[0] - 1, o.dilation_rate[1] - 1};
    pad_l_ = {p[0], p[1]};
    pad_r_ = {p[2], p[3]};
    src_any_ = any_md(with_batch(ctx.batch, layer.input_shape()));
    dst_any_ = any_md(with_batch(ctx.batch, layer.output_shape()));
    const memory::desc k = keras_kernel_md(layer);
    w_any_ = memory::desc(k.dims(), k.data_type(), Tag::any);
    dnnl::primitive_attr attr = scratch_attr();
    act_.add_post_op(attr);
    fwd_pd_ = dnnl::deconvolution_forward::primitive_desc(
        {ctx.forward_prop(), algorithm::deconvolution_direct, src_any_, w_any_, b_md_, dst_any_, strides_, dilates_,
         pad_l_, pad_r_},
        attr, ctx.engine);
    dst_md_ = fwd_pd_.dst_desc();
    act_.plan(dst_md_, ctx);
  }

  void bind(const memory& src, const memory& dst) override {
    bind_forward_op<decltype(fwd_pd_), dnnl::deconvolution_forward>(fwd_pd_, src, dst);
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    const memory diff = act_.bind_backward(diff_dst, stage_);
    dnnl::deconvolution_backward_weights::primitive_desc wpd(
        {algorithm::deconvolution_direct, src_any_, w_any_, b_md_, dst_any_, strides_, dilates_, pad_l_, pad_r_},
        scratch_attr(), ctx_.engine, fwd_pd_);
    bind_backward_weights_op<decltype(wpd), dnnl::deconvolution_backward_weights>(wpd, diff);
    if (!ctx_.need_diff_src) return;
    dnnl::deconvolution_backward_data::primitive_desc dpd(
        {algorithm::deconvolution_direct, src_any_, w_any_, dst_any_, strides_, dilates_, pad_l_, pad_r_},
        scratch_attr(), ctx_.engine, fwd_pd_);
    bind_backward_data_op<decltype(dpd), dnnl::deconvolution_backward_data>(
        dpd, diff, diff_src, kernel_.value_for(fwd_pd_.weights_desc()));
  }

 private:
  Dims strides_, dilates_, pad_l_, pad_r_;
  memory::desc src_any_, dst_any_, w_any_;
  dnnl::deconvolution_forward::primitive_desc fwd_pd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> Conv2DTranspose::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<DeconvPlan>(*this, ctx);
}

}  // namespace petal
