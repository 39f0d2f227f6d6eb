// Runs a layer's PlainPlan inside a graph plan: inputs reordered into plain
// buffers when their producer chose another layout, the output produced plain,
// input gradients reordered back. All buffers and views are made at bind time.
#include "nn/layer_plan.h"
#include "petal/core/error.h"
#include "petal/layers/layer.h"
#include "petal/layers/plain_plan.h"

namespace petal {

namespace {

using namespace detail;

class PlainPlanAdapter final : public LayerPlan {
 public:
  PlainPlanAdapter(const PlanContext& ctx, const Layer& layer, std::unique_ptr<PlainPlan> plan)
      : ctx_(ctx), stage_(ctx.engine), plan_(std::move(plan)) {
    for (const Shape& s : layer.input_shapes()) {
      in_shapes_.push_back(with_batch(ctx.batch, s));
      plain_in_.push_back(plain_md(in_shapes_.back()));
    }
    out_shape_ = with_batch(ctx.batch, layer.output_shape());
    dst_md_ = plain_md(out_shape_);
    step_.training = ctx.phase == Phase::Train;
  }

  void bind(const memory& src, const memory& dst) override { bind_inputs({src}, dst); }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    bind_backward_inputs(diff_dst, {diff_src});
  }

  void bind_inputs(const std::vector<memory>& srcs, const memory& dst) override {
    for (size_t i = 0; i < srcs.size(); ++i) srcs_.push_back(stage_.input(srcs[i], plain_in_[i], before_));
    dst_ = dst;
    for (const Shape& s : in_shapes_) inputs_.push_back({nullptr, s});
  }

  void bind_backward_inputs(const memory& diff_dst, const std::vector<memory>& diff_srcs) override {
    diff_dst_ = diff_dst;
    for (size_t i = 0; i < diff_srcs.size(); ++i) {
      diff_srcs_.push_back(diff_srcs[i] ? stage_.output(diff_srcs[i], plain_in_[i], after_) : memory());
      grads_.push_back({nullptr, inputs_[i].shape});
    }
  }

  void forward(StepContext& step) override {
    run_all(before_, step.stream);
    step.stream.wait();
    refresh_inputs();
    step_.step = step.step;
    plan_->forward(inputs_, {static_cast<float*>(dst_.get_data_handle()), out_shape_}, step_);
  }

  void backward(StepContext& step) override {
    step.stream.wait();
    refresh_inputs();
    for (size_t i = 0; i < grads_.size(); ++i) {
      grads_[i].data = diff_srcs_[i] ? static_cast<float*>(diff_srcs_[i].get_data_handle()) : nullptr;
    }
    step_.step = step.step;
    step_.accumulate_grads = step.accumulate_grads;
    plan_->backward(inputs_, {static_cast<const float*>(dst_.get_data_handle()), out_shape_},
                    {static_cast<const float*>(diff_dst_.get_data_handle()), out_shape_}, grads_, step_);
    run_all(after_, step.stream);
  }

 private:
  // Handles are read every step: an input may be the model input, whose buffer changes.
  void refresh_inputs() {
    for (size_t i = 0; i < srcs_.size(); ++i) inputs_[i].data = static_cast<const float*>(srcs_[i].get_data_handle());
  }

  PlanContext ctx_;
  Staging stage_;
  std::unique_ptr<PlainPlan> plan_;
  std::vector<Shape> in_shapes_;  // with batch
  std::vector<memory::desc> plain_in_;
  Shape out_shape_;
  std::vector<memory> srcs_, diff_srcs_;
  memory dst_, diff_dst_;
  std::vector<Op> before_, after_;
  std::vector<ConstPlainTensor> inputs_;
  std::vector<PlainTensor> grads_;
  PlainStep step_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> Layer::make_plan(const detail::PlanContext& ctx) {
  std::unique_ptr<PlainPlan> plan = make_plain_plan(ctx.batch, ctx.phase == detail::Phase::Train);
  if (!plan) throw Error("internal: " + where() + ".make_plain_plan returned no plan.");
  return std::make_unique<PlainPlanAdapter>(ctx, *this, std::move(plan));
}

std::unique_ptr<PlainPlan> Layer::make_plain_plan(int64_t, bool) {
  throw ConfigError(where() + ": the layer implements neither make_plan nor make_plain_plan.\nHint: a layer "
                    "written outside petal implements make_plain_plan (petal/layers/plain_plan.h).");
}

}  // namespace petal
