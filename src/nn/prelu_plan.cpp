// PReLU on oneDNN's prelu primitive: alpha broadcast over the shared axes,
// backward gives the input gradient and alpha's (reduced over shared axes).
#include "nn/layer_plan.h"
#include "nn/param_view.h"
#include "petal/layers/activation_layers.h"

namespace petal {

namespace {

using namespace detail;

class PReluPlan final : public LayerPlan {
 public:
  PReluPlan(PReLU& layer, const PlanContext& ctx) : ctx_(ctx), stage_(ctx.engine) {
    Param& alpha = *layer.params()[0];
    // Keras's alpha [.., C] (shared axes 1) is a broadcastable [1, ...] tensor.
    w_md_ = plain_md(with_batch(1, alpha.keras_shape));
    alpha_ = ParamView(alpha, w_md_, ctx.engine);
    fwd_pd_ = dnnl::prelu_forward::primitive_desc({ctx.forward_prop(), ctx.src_md, w_md_}, scratch_attr(), ctx.engine);
    dst_md_ = fwd_pd_.dst_desc();
  }

  void bind(const memory& src, const memory& dst) override {
    src_ = src;
    std::vector<std::pair<int, memory>> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, alpha_.value_for(w_md_)}, {DNNL_ARG_DST, dst}};
    add_scratchpad(args, fwd_pd_, ctx_.scratchpad);
    fwd_ = Op(dnnl::prelu_forward(fwd_pd_), std::move(args));
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    dnnl::prelu_backward::primitive_desc pd({ctx_.src_md, w_md_, ctx_.src_md, w_md_}, scratch_attr(), ctx_.engine,
                                            fwd_pd_);
    const memory dsrc = ctx_.need_diff_src ? diff_src : stage_.scratch(ctx_.src_md);
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src_},
                                             {DNNL_ARG_WEIGHTS, alpha_.value_for(w_md_)},
                                             {DNNL_ARG_DIFF_DST, diff_dst},
                                             {DNNL_ARG_DIFF_SRC, dsrc},
                                             {DNNL_ARG_DIFF_WEIGHTS, alpha_.grad_for(w_md_)}};
    add_scratchpad(args, pd, ctx_.scratchpad);
    bwd_ = Op(dnnl::prelu_backward(pd), std::move(args));
  }

  void forward(StepContext& step) override {
    alpha_.prepare_value(step.stream);
    fwd_.run(step.stream);
  }

  void backward(StepContext& step) override {
    alpha_.prepare_grad(step.accumulate_grads);
    bwd_.run(step.stream);
    alpha_.commit_grad(step.stream, step.accumulate_grads);
  }

 private:
  PlanContext ctx_;
  Staging stage_;
  memory::desc w_md_;
  ParamView alpha_;
  dnnl::prelu_forward::primitive_desc fwd_pd_;
  memory src_;
  Op fwd_, bwd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> PReLU::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<PReluPlan>(*this, ctx);
}

}  // namespace petal
