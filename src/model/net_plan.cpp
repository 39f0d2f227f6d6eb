// Network plan: plans, buffers and the forward/backward sweeps.
#include "model/net_plan.h"

#include <algorithm>
#include <chrono>

#include "nn/activation_ops.h"
#include "petal/core/error.h"
#include "petal/layers/core_layers.h"

namespace petal::detail {

namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The activation of layers[i + 1] when it can run as a post-op of layers[i].
ActivationFn fusable_next(const std::vector<Layer*>& layers, size_t i) {
  if (i + 1 >= layers.size() || !layers[i]->accepts_fused_activation()) return ActivationFn::Linear;
  const auto* act = dynamic_cast<const Activation*>(layers[i + 1]);
  if (!act || !ActivationOps::fusable(act->fn())) return ActivationFn::Linear;
  return act->fn();
}

}  // namespace

NetPlan::NetPlan(const std::vector<Layer*>& layers, const Shape& input_shape, int64_t batch, Phase phase,
                 const dnnl::engine& engine, bool input_grad, dnnl::algorithm conv_algorithm)
    : batch_(batch), phase_(phase), scratchpad_(std::make_unique<ScratchpadPool>(engine)) {
  backward_ = phase == Phase::Train || input_grad;
  // Boundary i is the input of layer i (boundary 0 = model input); identity
  // layers share their input's memory.
  input_ = memory(plain_md(with_batch(batch, input_shape)), engine, DNNL_MEMORY_NONE);
  std::vector<memory> act{input_};
  std::vector<int> distinct{0};  // index of the distinct boundary each boundary maps to
  bool need_diff_src = input_grad;
  activations_.reserve(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    PlanContext ctx{engine, act.back().get_desc(), batch, phase, need_diff_src, scratchpad_.get(), backward_};
    ctx.fused_activation = fusable_next(layers, i);
    ctx.conv_algorithm = conv_algorithm;
    const bool fused_away = i > 0 && fusable_next(layers, i - 1) != ActivationFn::Linear;
    if (fused_away) {
      plans_.push_back(std::make_unique<IdentityPlan>(act.back().get_desc()));
    } else {
      plans_.push_back(layers[i]->make_plan(ctx));
    }
    LayerPlan& plan = *plans_.back();
    if (plan.is_identity()) {
      act.push_back(act.back());
      distinct.push_back(distinct.back());
      continue;
    }
    activations_.emplace_back(plan.dst_md(), engine);
    plan.bind(act.back(), activations_.back().mem());
    act.push_back(activations_.back().mem());
    distinct.push_back(distinct.back() + 1);
    need_diff_src = true;
    last_ = &plan;
  }
  const memory& out = act.back();
  const Shape out_shape = with_batch(batch, layers.empty() ? input_shape : layers.back()->output_shape());
  const memory::desc out_plain_md = plain_md(out_shape);
  if (out.get_desc() != out_plain_md) {
    out_plain_ = Buffer(out_plain_md, engine);
    out_reorder_ = make_reorder(out, out_plain_.mem());
  }
  if (backward_ && last_) {
    int64_t most = 0;
    for (const memory& m : act) most = std::max(most, floats_of(m.get_desc()));
    ping_ = Buffer(memory::desc({most}, memory::data_type::f32, Tag::x), engine);
    pong_ = Buffer(memory::desc({most}, memory::data_type::f32, Tag::x), engine);
    std::vector<memory> diff;
    if (input_grad) input_grad_ = Buffer(input_.get_desc(), engine);
    for (size_t i = 0; i < act.size(); ++i) {
      float* buf = distinct[i] % 2 ? ping_.data() : pong_.data();
      if (distinct[i] == 0 && input_grad) buf = input_grad_.data();
      diff.push_back(memory(act[i].get_desc(), engine, buf));
    }
    for (size_t i = 0; i < plans_.size(); ++i) {
      if (!plans_[i]->is_identity()) plans_[i]->bind_backward(diff[i + 1], diff[i]);
    }
    if (diff.back().get_desc() != out_plain_md) {
      out_grad_ = Buffer(out_plain_md, engine);
      grad_reorder_ = make_reorder(out_grad_.mem(), diff.back());
      out_grad_ptr_ = out_grad_.data();
    } else {
      out_grad_ptr_ = static_cast<float*>(diff.back().get_data_handle());
    }
  }
  scratchpad_->finalize();
  timings_.resize(plans_.size());
}

const float* NetPlan::forward(const Tensor& x, StepContext& step) {
  input_.set_data_handle(const_cast<float*>(x.data()));
  for (size_t i = 0; i < plans_.size(); ++i) {
    const auto t0 = profiling_ ? Clock::now() : Clock::time_point{};
    plans_[i]->forward(step);
    if (profiling_) timings_[i].forward_ms += elapsed_ms(t0);
  }
  if (out_reorder_) {
    out_reorder_.run(step.stream);
    step.stream.wait();
    return out_plain_.data();
  }
  step.stream.wait();
  if (activations_.empty()) return x.data();
  return activations_.back().data();
}

void NetPlan::backward(StepContext& step, const std::function<void(size_t)>& layer_done) {
  if (!backward_) throw Error("internal: backward on a forward-only plan");
  if (!last_) return;
  if (grad_reorder_) grad_reorder_.run(step.stream);
  const bool pre = step.pre_activation_grad;
  for (size_t i = plans_.size(); i-- > 0;) {
    LayerPlan& plan = *plans_[i];
    if (plan.is_identity()) continue;
    step.pre_activation_grad = pre && &plan == last_;
    const auto t0 = profiling_ ? Clock::now() : Clock::time_point{};
    plan.backward(step);
    if (profiling_) timings_[i].backward_ms += elapsed_ms(t0);
    if (layer_done) {
      step.stream.wait();
      layer_done(i);
    }
  }
  step.pre_activation_grad = pre;
  step.stream.wait();
}

}  // namespace petal::detail
