// UpSampling2D on oneDNN's resampling: nearest or linear (half-pixel centres, as
// TensorFlow 2's tf.image.resize), in whatever layout the previous layer produced.
#include "nn/layer_plan.h"
#include "petal/layers/up_sampling2d.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::algorithm;

class ResamplingPlan final : public LayerPlan {
 public:
  ResamplingPlan(const UpSampling2D& layer, const PlanContext& ctx) : ctx_(ctx) {
    alg_ = layer.bilinear() ? algorithm::resampling_linear : algorithm::resampling_nearest;
    fwd_pd_ = dnnl::resampling_forward::primitive_desc(
        {ctx.forward_prop(), alg_, ctx.src_md, any_md(with_batch(ctx.batch, layer.output_shape()))},
        scratch_attr(), ctx.engine);
    dst_md_ = fwd_pd_.dst_desc();
  }

  void bind(const memory& src, const memory& dst) override {
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    add_scratchpad(args, fwd_pd_, ctx_.scratchpad);
    fwd_ = Op(dnnl::resampling_forward(fwd_pd_), std::move(args));
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (!ctx_.need_diff_src) return;
    dnnl::resampling_backward::primitive_desc pd({alg_, ctx_.src_md, dst_md_}, scratch_attr(), ctx_.engine,
                                                 fwd_pd_);
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}};
    add_scratchpad(args, pd, ctx_.scratchpad);
    bwd_ = Op(dnnl::resampling_backward(pd), std::move(args));
  }

  void forward(StepContext& step) override { fwd_.run(step.stream); }
  void backward(StepContext& step) override {
    if (bwd_) bwd_.run(step.stream);
  }

 private:
  PlanContext ctx_;
  algorithm alg_;
  dnnl::resampling_forward::primitive_desc fwd_pd_;
  Op fwd_, bwd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> UpSampling2D::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<ResamplingPlan>(*this, ctx);
}

}  // namespace petal
