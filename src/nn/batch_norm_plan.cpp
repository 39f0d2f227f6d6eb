// BatchNormalization in whatever layout the previous layer produced: training
// on petal's loops (batch_norm_loops.h), inference (and layouts the loops do
// not walk) on oneDNN; moving statistics are updated after each training
// forward. An axis other than the channels runs on a plain copy seen through a
// view whose dim 1 (oneDNN's channel) is that axis. A ReLU or ReLU6 the graph
// plan fused into the layer runs inside the loops, or in place after oneDNN.
// The loops take the statistics from the input's producer when it made them
// (LayerPlan::output_statistics: the normalised depthwise convolution), and
// leave their input gradient to it (LayerPlan::defer_input_gradient).
#include <optional>

#include "nn/activation_ops.h"
#include "nn/batch_norm_loops.h"
#include "nn/layer_plan.h"
#include "nn/param_view.h"
#include "petal/layers/batch_normalization.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::normalization_flags;
using dnnl::prop_kind;

class BatchNormPlan final : public LayerPlan {
 public:
  BatchNormPlan(BatchNormalization& layer, const PlanContext& ctx)
      : layer_(layer), ctx_(ctx), stage_(ctx.engine) {
    const auto& o = layer.options();
    const Shape& in = layer.input_shape();
    const auto axis = static_cast<size_t>(layer.resolved_axis());
    channels_ = in[axis - 1];
    per_channel_ = ctx.batch * num_elements(in) / channels_;
    md_ = ctx.src_md;
    if (axis != in.size()) {
      viewed_ = true;
      plain_ = plain_md(with_batch(ctx.batch, in));
      md_ = axis_view(with_batch(ctx.batch, in), axis);
    }
    const memory::desc cmd({channels_}, memory::data_type::f32, Tag::x);
    for (Param* p : layer.params()) {
      if (p->name == "gamma") gamma_ = ParamView(*p, cmd, ctx.engine), gamma_param_ = p;
      if (p->name == "beta") beta_ = ParamView(*p, cmd, ctx.engine), beta_param_ = p;
      if (p->name == "moving_mean") moving_mean_ = p;
      if (p->name == "moving_variance") moving_var_ = p;
    }
    flags_ = normalization_flags::none;
    if (o.scale) flags_ |= normalization_flags::use_scale;
    if (o.center) flags_ |= normalization_flags::use_shift;
    train_ = ctx.phase == Phase::Train;
    if (!train_) flags_ |= normalization_flags::use_global_stats;
    const ActivationFn act = ctx.fused_activation;
    const bool clamp = act != ActivationFn::Linear;
    const float upper = clamp ? clamp_upper(act, layer.where()) : 0.0f;
    if (train_ && BatchNormLoops::supported(md_)) {
      loops_.emplace(md_, clamp, upper);
      if (!viewed_) provided_ = ctx.input_statistics;
    } else {
      fwd_pd_ = dnnl::batch_normalization_forward::primitive_desc({ctx.forward_prop(), md_, o.epsilon, flags_},
                                                                  scratch_attr(), ctx.engine);
      if (ctx.backward) {
        hint_pd_ = dnnl::batch_normalization_forward::primitive_desc(
            {dnnl::prop_kind::forward_training, md_, o.epsilon, flags_}, ctx.engine);
      }
      if (clamp) activation_ = ActivationOps(act, md_, ctx);
    }
    dst_md_ = viewed() ? plain_ : md_;
    stats_mean_ = stage_.scratch(cmd);
    stats_var_ = stage_.scratch(cmd);
    user_mean_ = memory(cmd, ctx.engine, moving_mean_->value.data());
    user_var_ = memory(cmd, ctx.engine, moving_var_->value.data());
  }

  void bind(const memory& src_in, const memory& dst_in) override {
    memory src = src_in, dst = dst_in;
    if (viewed()) {
      src_plain_ = stage_.input(src_in, plain_, before_);
      src = view(src_plain_);
      dst = view(dst_in);
    }
    src_ = src;
    dst_ = dst;
    if (loops_) return;  // forward() runs the loops on these buffers
    if (activation_.fn() != ActivationFn::Linear) activation_.bind_forward(dst, dst);
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    args.push_back({DNNL_ARG_MEAN, train_ ? stats_mean_ : user_mean_});
    args.push_back({DNNL_ARG_VARIANCE, train_ ? stats_var_ : user_var_});
    if (layer_.options().scale) args.push_back({DNNL_ARG_SCALE, gamma_.value_for(gamma_md())});
    if (layer_.options().center) args.push_back({DNNL_ARG_SHIFT, beta_.value_for(gamma_md())});
    add_scratchpad(args, fwd_pd_, ctx_.scratchpad);
    fwd_ = Op(dnnl::batch_normalization_forward(fwd_pd_), std::move(args));
  }

  void bind_backward(const memory& diff_dst_in, const memory& diff_src_in) override {
    memory diff_dst = diff_dst_in, diff_src = diff_src_in;
    if (viewed()) {
      diff_dst = view(diff_dst_in);
      if (ctx_.need_diff_src) diff_src = view(stage_.output(diff_src_in, plain_, after_));
    }
    diff_dst_ = diff_dst;
    if (ctx_.need_diff_src) diff_src_ = diff_src;
    if (loops_) return;  // see backward()
    if (activation_.fn() != ActivationFn::Linear) activation_.bind_backward(memory(), dst_, diff_dst, diff_dst);
    const auto& o = layer_.options();
    const bool params = o.scale || o.center;
    dnnl::batch_normalization_backward::primitive_desc pd(
        {params ? prop_kind::backward : prop_kind::backward_data, md_, md_, o.epsilon, flags_}, scratch_attr(),
        ctx_.engine, hint_pd_);
    const memory dsrc = ctx_.need_diff_src ? diff_src : stage_.scratch(md_);
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src_},
                                             {DNNL_ARG_MEAN, train_ ? stats_mean_ : user_mean_},
                                             {DNNL_ARG_VARIANCE, train_ ? stats_var_ : user_var_},
                                             {DNNL_ARG_DIFF_DST, diff_dst},
                                             {DNNL_ARG_DIFF_SRC, dsrc}};
    if (o.scale) {
      args.push_back({DNNL_ARG_SCALE, gamma_.value_for(gamma_md())});
      args.push_back({DNNL_ARG_DIFF_SCALE, gamma_.grad_for(gamma_md())});
    }
    if (o.center) {  // oneDNN 2.6 wants the shift in backward too
      args.push_back({DNNL_ARG_SHIFT, beta_.value_for(gamma_md())});
      args.push_back({DNNL_ARG_DIFF_SHIFT, beta_.grad_for(gamma_md())});
    }
    add_scratchpad(args, pd, ctx_.scratchpad);
    bwd_ = Op(dnnl::batch_normalization_backward(pd), std::move(args));
  }

  void forward(StepContext& step) override {
    const auto& o = layer_.options();
    user_mean_.set_data_handle(moving_mean_->value.data());
    user_var_.set_data_handle(moving_var_->value.data());
    if (viewed()) {
      run_all(before_, step.stream);
      src_.set_data_handle(src_plain_.get_data_handle());  // the model input moves every step
    }
    if (loops_) {
      step.stream.wait();
      const auto* x = static_cast<const float*>(src_.get_data_handle());
      auto* mean = static_cast<float*>(stats_mean_.get_data_handle());
      auto* var = static_cast<float*>(stats_var_.get_data_handle());
      if (provided_) {
        loops_->statistics_from(provided_->sum, provided_->sum_sq, mean, var);
      } else {
        loops_->statistics(x, mean, var);
      }
      loops_->normalize(x, static_cast<float*>(dst_.get_data_handle()), mean, var, o.epsilon,
                        gamma_param_ ? gamma_param_->value.data() : nullptr,
                        beta_param_ ? beta_param_->value.data() : nullptr);
    } else {
      if (o.scale) gamma_.prepare_value(step.stream);
      if (o.center) beta_.prepare_value(step.stream);
      fwd_.run(step.stream);
      if (activation_.fn() != ActivationFn::Linear) activation_.forward(step.stream);
    }
    if (train_) update_moving_statistics(step.stream);
  }

  // The loops take every sum over diff_dst before they write diff_src, element by element.
  bool backward_in_place() const override { return loops_ && !viewed(); }

  // On the loops, the input gradient is a per-channel function of x and diff_dst.
  const DeferredGradient* defer_input_gradient() override {
    if (!loops_ || viewed() || !ctx_.need_diff_src) return nullptr;
    deferring_ = true;
    return &deferred_;
  }

  void backward(StepContext& step) override {
    const auto& o = layer_.options();
    if (loops_) {
      step.stream.wait();
      loops_->backward({static_cast<const float*>(src_.get_data_handle()),
                        static_cast<const float*>(diff_dst_.get_data_handle()),
                        static_cast<const float*>(stats_mean_.get_data_handle()),
                        static_cast<const float*>(stats_var_.get_data_handle()), o.epsilon,
                        gamma_param_ ? gamma_param_->value.data() : nullptr,
                        diff_src_ && !deferring_ ? static_cast<float*>(diff_src_.get_data_handle()) : nullptr,
                        gamma_param_ ? gamma_param_->grad.data() : nullptr,
                        beta_param_ ? beta_param_->grad.data() : nullptr, step.accumulate_grads});
      if (deferring_) describe_input_gradient();
    } else {
      if (activation_.fn() != ActivationFn::Linear) activation_.backward(step.stream);
      if (o.scale) gamma_.prepare_grad(step.accumulate_grads);
      if (o.center) beta_.prepare_grad(step.accumulate_grads);
      bwd_.run(step.stream);
      if (o.scale) gamma_.commit_grad(step.stream, step.accumulate_grads);
      if (o.center) beta_.commit_grad(step.stream, step.accumulate_grads);
    }
    run_all(after_, step.stream);
  }

 private:
  memory::desc gamma_md() const { return memory::desc({channels_}, memory::data_type::f32, Tag::x); }
  bool viewed() const { return viewed_; }
  memory view(const memory& m) const { return memory(md_, ctx_.engine, m.get_data_handle()); }

  // The plain (row-major) tensor `shape` seen with `axis` first after the batch:
  // dims (N, shape[axis], the others in order) with the matching strides.
  static memory::desc axis_view(const Shape& shape, size_t axis) {
    std::vector<int64_t> stride(shape.size(), 1);
    for (size_t i = shape.size() - 1; i-- > 0;) stride[i] = stride[i + 1] * shape[i + 1];
    Dims dims{shape[0], shape[axis]}, strides{stride[0], stride[axis]};
    for (size_t i = 1; i < shape.size(); ++i) {
      if (i != axis) dims.push_back(shape[i]), strides.push_back(stride[i]);
    }
    return memory::desc(dims, memory::data_type::f32, strides);
  }

  void describe_input_gradient() {
    deferred_terms_ = loops_->input_gradient_terms(static_cast<const float*>(stats_mean_.get_data_handle()));
    deferred_ = {static_cast<const float*>(src_.get_data_handle()), static_cast<const float*>(diff_dst_.get_data_handle()),
                 &deferred_terms_};
  }

  void update_moving_statistics(dnnl::stream& s) {
    s.wait();
    detail::update_moving_statistics(moving_mean_->value.data(), moving_var_->value.data(),
                                     static_cast<const float*>(stats_mean_.get_data_handle()),
                                     static_cast<const float*>(stats_var_.get_data_handle()), channels_,
                                     layer_.options().momentum, per_channel_);
  }

  BatchNormalization& layer_;
  PlanContext ctx_;
  Staging stage_;
  int64_t channels_ = 0, per_channel_ = 0;
  bool train_ = true;
  std::optional<BatchNormLoops> loops_;  // training on a layout the loops walk
  const OutputStatistics* provided_ = nullptr;  // the input's sums, made by its producer
  bool deferring_ = false;                      // the input gradient left to the producer
  DeferredGradient deferred_;
  InputGradArgs deferred_terms_{};
  ActivationOps activation_;              // oneDNN: the fused activation, in place
  normalization_flags flags_;
  memory::desc md_;     // the layout batch norm runs on (a view when not the channel axis)
  bool viewed_ = false;
  memory::desc plain_;  // the plain input a view looks at
  memory src_plain_;
  std::vector<Op> before_, after_;
  ParamView gamma_, beta_;
  Param* gamma_param_ = nullptr;
  Param* beta_param_ = nullptr;
  Param* moving_mean_ = nullptr;
  Param* moving_var_ = nullptr;
  dnnl::batch_normalization_forward::primitive_desc fwd_pd_, hint_pd_;
  memory stats_mean_, stats_var_, user_mean_, user_var_, src_, dst_, diff_dst_, diff_src_;
  Op fwd_, bwd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> BatchNormalization::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<BatchNormPlan>(*this, ctx);
}

}  // namespace petal
