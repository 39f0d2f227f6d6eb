// Dense on oneDNN's inner product. The kernel adopts the blocked layout the
// primitive picks (brgemm kernels: ~2.5x faster than gemm on Keras's [in, out]
// for MiniVGGNet's 16384x512 classifier) and keeps it, so no step reorders it.
// The layout is chosen at a fixed batch size, never the plan's own.
#include "nn/weighted_plan.h"
#include "petal/layers/activations.h"
#include "petal/layers/dense.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::prop_kind;

// The kernel layout oneDNN prefers for training at kKernelLayoutBatch.
memory::desc preferred_kernel_md(Dense& layer, const PlanContext& ctx) {
  const int64_t in = layer.input_shape()[0], units = layer.options().units;
  const memory::desc bias = layer.options().use_bias ? memory::desc({units}, memory::data_type::f32, Tag::x)
                                                      : memory::desc();
  dnnl::inner_product_forward::primitive_desc pd(
      {prop_kind::forward_training, memory::desc({kKernelLayoutBatch, in}, memory::data_type::f32, Tag::nc),
       memory::desc({units, in}, memory::data_type::f32, Tag::any), bias,
       memory::desc({kKernelLayoutBatch, units}, memory::data_type::f32, Tag::nc)},
      scratch_attr(), ctx.engine);
  return pd.weights_desc();
}

class DensePlan final : public WeightedPlan {
 public:
  DensePlan(Dense& layer, const PlanContext& ctx)
      : WeightedPlan(ctx, own_or_fused(ctx, layer.options().activation), layer.params(),
                     memory::desc({layer.options().units, layer.input_shape()[0]}, memory::data_type::f32, Tag::io),
                     layer.options().use_bias
                         ? memory::desc({layer.options().units}, memory::data_type::f32, Tag::x)
                         : memory::desc(),
                     /*adopt_kernel_layout=*/true) {
    src_md_ = memory::desc({ctx.batch, layer.input_shape()[0]}, memory::data_type::f32, Tag::nc);
    dst_plain_ = memory::desc({ctx.batch, layer.options().units}, memory::data_type::f32, Tag::nc);
    // The kernel's layout never depends on this plan's batch or phase: ranks of
    // a distributed job (whose last batches differ) must store it alike.
    if (!layer.params()[0]->layout) kernel_.value_for(preferred_kernel_md(layer, ctx));
    w_md_ = kernel_.storage_md();
    propose_post_ops(layer.options().units, 2);
    const auto prop = ctx.forward_prop();
    fwd_pd_ = forward_pd_with(chain_.proposed(), [&](const dnnl::primitive_attr& attr, const memory::desc&) {
      return dnnl::inner_product_forward::primitive_desc({prop, src_md_, w_md_, b_md_, dst_plain_}, attr, ctx.engine);
    });
    dst_md_ = fwd_pd_.dst_desc();
    act_.plan(dst_md_, ctx);
  }

  void bind(const memory& src, const memory& dst) override {
    bind_forward_op<decltype(fwd_pd_), dnnl::inner_product_forward>(fwd_pd_, src, dst);
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    const memory diff = act_.bind_backward(diff_dst, stage_);
    dnnl::inner_product_backward_weights::primitive_desc wpd({src_md_, w_md_, b_md_, dst_plain_}, scratch_attr(),
                                                             ctx_.engine, fwd_pd_);
    bind_backward_weights_op<decltype(wpd), dnnl::inner_product_backward_weights>(wpd, diff);
    if (!ctx_.need_diff_src) return;
    dnnl::inner_product_backward_data::primitive_desc dpd({src_md_, w_md_, dst_plain_}, scratch_attr(),
                                                          ctx_.engine, fwd_pd_);
    bind_backward_data_op<decltype(dpd), dnnl::inner_product_backward_data>(
        dpd, diff, diff_src, kernel_.value_for(fwd_pd_.weights_desc()));
  }

 private:
  memory::desc src_md_, dst_plain_, w_md_;
  dnnl::inner_product_forward::primitive_desc fwd_pd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> Dense::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<DensePlan>(*this, ctx);
}

}  // namespace petal
