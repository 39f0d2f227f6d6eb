// LayerNormalization plan on a plain (Keras-order) copy of the input: oneDNN's
// layer_normalization when the axes are the trailing ones (collapsed into one
// dim of a [groups, D] view), LayerNormLoop otherwise.
#include "nn/layer_norm_loop.h"
#include "nn/layer_plan.h"
#include "nn/param_view.h"
#include "petal/layers/layer_normalization.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::normalization_flags;
using dnnl::prop_kind;

bool trailing_axes(const std::vector<int>& axes, size_t rank) {
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[axes.size() - 1 - i] != static_cast<int>(rank - i)) return false;
  }
  return true;
}

class LayerNormPlan final : public LayerPlan {
 public:
  LayerNormPlan(LayerNormalization& layer, const PlanContext& ctx) : layer_(layer), ctx_(ctx), stage_(ctx.engine) {
    const Shape shape = with_batch(ctx.batch, layer.input_shape());
    plain_ = plain_md(shape);
    dst_md_ = plain_;
    const auto& o = layer.options();
    for (Param* p : layer.params()) (p->name == "gamma" ? gamma_p_ : beta_p_) = p;
    dnnl_ = trailing_axes(layer.axes(), layer.input_shape().size());
    if (!dnnl_) {
      loop_ = LayerNormLoop(shape, layer.axes(), o.epsilon);
      return;
    }
    int64_t d = 1;
    for (int a : layer.axes()) d *= shape[static_cast<size_t>(a)];
    const int64_t groups = num_elements(shape) / d;
    view_ = memory::desc({groups, d}, memory::data_type::f32, Tag::ab);
    stat_ = memory::desc({groups}, memory::data_type::f32, Tag::a);
    const memory::desc ss({d}, memory::data_type::f32, Tag::a);
    if (gamma_p_) gamma_ = ParamView(*gamma_p_, ss, ctx.engine);
    if (beta_p_) beta_ = ParamView(*beta_p_, ss, ctx.engine);
    flags_ = normalization_flags::none;
    if (o.scale) flags_ |= normalization_flags::use_scale;
    if (o.center) flags_ |= normalization_flags::use_shift;
    fwd_pd_ = dnnl::layer_normalization_forward::primitive_desc({ctx.forward_prop(), view_, stat_, o.epsilon, flags_},
                                                                scratch_attr(), ctx.engine);
    mean_ = stage_.scratch(stat_);
    var_ = stage_.scratch(stat_);
    ss_md_ = ss;
  }

  void bind(const memory& src, const memory& dst) override {
    src_ = stage_.input(src, plain_, before_);
    dst_ = dst;
    if (!dnnl_) return;
    src_view_ = memory(view_, ctx_.engine, src_.get_data_handle());
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src_view_},
                                             {DNNL_ARG_DST, memory(view_, ctx_.engine, dst.get_data_handle())},
                                             {DNNL_ARG_MEAN, mean_},
                                             {DNNL_ARG_VARIANCE, var_}};
    if (gamma_p_) args.push_back({DNNL_ARG_SCALE, gamma_.value_for(ss_md_)});
    if (beta_p_) args.push_back({DNNL_ARG_SHIFT, beta_.value_for(ss_md_)});
    add_scratchpad(args, fwd_pd_, ctx_.scratchpad);
    fwd_ = Op(dnnl::layer_normalization_forward(fwd_pd_), std::move(args));
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    diff_dst_ = diff_dst;
    if (ctx_.need_diff_src) diff_src_ = stage_.output(diff_src, plain_, after_);
    if (!dnnl_) return;
    const auto& o = layer_.options();
    const bool params = o.scale || o.center;
    dnnl::layer_normalization_backward::primitive_desc pd(
        {params ? prop_kind::backward : prop_kind::backward_data, view_, view_, stat_, o.epsilon, flags_},
        scratch_attr(), ctx_.engine, fwd_pd_);
    const memory dsrc = diff_src_ ? diff_src_ : stage_.scratch(plain_);
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src_view_},
                                             {DNNL_ARG_MEAN, mean_},
                                             {DNNL_ARG_VARIANCE, var_},
                                             {DNNL_ARG_DIFF_DST, memory(view_, ctx_.engine, diff_dst.get_data_handle())},
                                             {DNNL_ARG_DIFF_SRC, memory(view_, ctx_.engine, dsrc.get_data_handle())}};
    if (gamma_p_) {
      args.push_back({DNNL_ARG_SCALE, gamma_.value_for(ss_md_)});
      args.push_back({DNNL_ARG_DIFF_SCALE, gamma_.grad_for(ss_md_)});
    }
    if (beta_p_) {  // as batch norm, oneDNN 2.6 wants the shift in backward too
      args.push_back({DNNL_ARG_SHIFT, beta_.value_for(ss_md_)});
      args.push_back({DNNL_ARG_DIFF_SHIFT, beta_.grad_for(ss_md_)});
    }
    add_scratchpad(args, pd, ctx_.scratchpad);
    bwd_ = Op(dnnl::layer_normalization_backward(pd), std::move(args));
  }

  void forward(StepContext& step) override {
    run_all(before_, step.stream);
    if (!dnnl_) {
      step.stream.wait();
      loop_.forward(data(src_), gamma_p_ ? gamma_p_->value.data() : nullptr, beta_p_ ? beta_p_->value.data() : nullptr,
                    data(dst_));
      return;
    }
    if (gamma_p_) gamma_.prepare_value(step.stream);
    if (beta_p_) beta_.prepare_value(step.stream);
    src_view_.set_data_handle(src_.get_data_handle());  // the model input moves every step
    fwd_.run(step.stream);
  }

  void backward(StepContext& step) override {
    if (!dnnl_) {
      step.stream.wait();
      loop_.backward(data(src_), data(diff_dst_), gamma_p_ ? gamma_p_->value.data() : nullptr,
                     diff_src_ ? data(diff_src_) : nullptr, gamma_p_ ? gamma_p_->grad.data() : nullptr,
                     beta_p_ ? beta_p_->grad.data() : nullptr, step.accumulate_grads);
    } else {
      if (gamma_p_) gamma_.prepare_grad(step.accumulate_grads);
      if (beta_p_) beta_.prepare_grad(step.accumulate_grads);
      bwd_.run(step.stream);
      if (gamma_p_) gamma_.commit_grad(step.stream, step.accumulate_grads);
      if (beta_p_) beta_.commit_grad(step.stream, step.accumulate_grads);
    }
    run_all(after_, step.stream);
  }

 private:
  static float* data(const memory& m) { return static_cast<float*>(m.get_data_handle()); }

  LayerNormalization& layer_;
  PlanContext ctx_;
  Staging stage_;
  memory::desc plain_, view_, stat_, ss_md_;
  bool dnnl_ = true;
  LayerNormLoop loop_;
  Param* gamma_p_ = nullptr;
  Param* beta_p_ = nullptr;
  ParamView gamma_, beta_;
  normalization_flags flags_ = normalization_flags::none;
  dnnl::layer_normalization_forward::primitive_desc fwd_pd_;
  memory mean_, var_, src_, src_view_, dst_, diff_dst_, diff_src_;
  std::vector<Op> before_, after_;
  Op fwd_, bwd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> LayerNormalization::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<LayerNormPlan>(*this, ctx);
}

}  // namespace petal
