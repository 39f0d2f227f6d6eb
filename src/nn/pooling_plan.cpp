// Pooling on oneDNN: max (with workspace for backward) and average excluding padding;
// global average and global max pooling write a plain [N, C] output.
#include "nn/global_average_plan.h"
#include "nn/layer_plan.h"
#include "petal/layers/pooling.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::algorithm;
using dnnl::prop_kind;

class PoolingPlan final : public LayerPlan {
 public:
  // kernel/strides/pads describe the pooling window; the 4-D output's layout is
  // oneDNN's choice. dst_view, when given, is the plain [N, C] descriptor the
  // output is exposed as (global pooling): the pooled [N, C, 1, 1] is reordered
  // into it, since oneDNN's jit pooling wants dst in src's layout (a plain dst
  // behind a blocked src falls back to its slow reference kernel).
  PoolingPlan(const PlanContext& ctx, algorithm alg, Dims kernel, Dims strides, Dims pad_l, Dims pad_r,
              const memory::desc& dst_4d_any, const memory::desc& dst_view)
      : ctx_(ctx), stage_(ctx.engine), alg_(alg), kernel_(kernel), strides_(strides), pad_l_(pad_l), pad_r_(pad_r) {
    fwd_pd_ = dnnl::pooling_forward::primitive_desc(
        {ctx.forward_prop(), alg, ctx.src_md, dst_4d_any, strides, kernel, pad_l, pad_r}, scratch_attr(), ctx.engine);
    dst_4d_ = fwd_pd_.dst_desc();
    dst_md_ = dst_view.is_zero() ? dst_4d_ : dst_view;
    if (!dst_view.is_zero()) view_4d_ = memory::desc(dst_4d_.dims(), memory::data_type::f32, Tag::nchw);
    if (ctx.backward && alg == algorithm::pooling_max) workspace_ = stage_.scratch(fwd_pd_.workspace_desc());
  }

  void bind(const memory& src, const memory& dst) override {
    std::vector<Op> after;
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src},
                                             {DNNL_ARG_DST, stage_.output(as_4d(dst), dst_4d_, after)}};
    if (workspace_) args.push_back({DNNL_ARG_WORKSPACE, workspace_});
    add_scratchpad(args, fwd_pd_, ctx_.scratchpad);
    fwd_.push_back(Op(dnnl::pooling_forward(fwd_pd_), std::move(args)));
    for (Op& op : after) fwd_.push_back(std::move(op));
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (!ctx_.need_diff_src) return;
    dnnl::pooling_backward::primitive_desc pd(
        {alg_, ctx_.src_md, dst_4d_, strides_, kernel_, pad_l_, pad_r_}, scratch_attr(), ctx_.engine, fwd_pd_);
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_DIFF_DST, stage_.input(as_4d(diff_dst), dst_4d_, bwd_)},
                                             {DNNL_ARG_DIFF_SRC, diff_src}};
    if (workspace_) args.push_back({DNNL_ARG_WORKSPACE, workspace_});
    add_scratchpad(args, pd, ctx_.scratchpad);
    bwd_.push_back(Op(dnnl::pooling_backward(pd), std::move(args)));
  }

  void forward(StepContext& step) override { run_all(fwd_, step.stream); }
  void backward(StepContext& step) override { run_all(bwd_, step.stream); }

 private:
  // The plain [N, C] output (or its gradient) seen as [N, C, 1, 1].
  memory as_4d(const memory& m) const {
    if (view_4d_.is_zero()) return m;
    return memory(view_4d_, ctx_.engine, m.get_data_handle());
  }

  PlanContext ctx_;
  Staging stage_;
  algorithm alg_;
  Dims kernel_, strides_, pad_l_, pad_r_;
  dnnl::pooling_forward::primitive_desc fwd_pd_;
  memory::desc dst_4d_, view_4d_;
  memory workspace_;
  std::vector<Op> fwd_, bwd_;
};

// One window covering the whole image, output viewed as a plain [N, C].
std::unique_ptr<LayerPlan> global_pooling_plan(const PlanContext& ctx, algorithm alg, const Shape& in) {
  const memory::desc dst4({ctx.batch, in[2], 1, 1}, memory::data_type::f32, Tag::any);
  return std::make_unique<PoolingPlan>(ctx, alg, Dims{in[0], in[1]}, Dims{1, 1}, Dims{0, 0}, Dims{0, 0}, dst4,
                                       plain_md({ctx.batch, in[2]}));
}

}  // namespace

std::unique_ptr<detail::LayerPlan> Pooling2D::make_plan(const detail::PlanContext& ctx) {
  const auto p = pads();
  const auto s = strides();
  const auto alg = is_max() ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
  return std::make_unique<PoolingPlan>(ctx, alg, Dims{options().pool_size[0], options().pool_size[1]},
                                       Dims{s[0], s[1]}, Dims{p[0], p[1]}, Dims{p[2], p[3]},
                                       any_md(with_batch(ctx.batch, output_shape())), memory::desc());
}

std::unique_ptr<detail::LayerPlan> GlobalAveragePooling2D::make_plan(const detail::PlanContext& ctx) {
  if (auto plan = global_average_plan(ctx, input_shape())) return plan;
  return global_pooling_plan(ctx, algorithm::pooling_avg_exclude_padding, input_shape());
}

// oneDNN's max pooling records the first maximum of each window (see GlobalMaxPooling2D on ties).
std::unique_ptr<detail::LayerPlan> GlobalMaxPooling2D::make_plan(const detail::PlanContext& ctx) {
  return global_pooling_plan(ctx, algorithm::pooling_max, input_shape());
}

}  // namespace petal
