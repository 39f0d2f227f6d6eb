// One batch at a time: train_on_batch (the training step every loop uses),
// test_on_batch and predict_on_batch.
#include <set>
#include <mutex>
#include <iostream>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "model/sequential_impl.h"
#include "petal/core/error.h"

namespace petal {

namespace {

int64_t class_of(const Tensor& y, Loss loss, int64_t i) {
  if (loss == Loss::SparseCategoricalCrossentropy) return static_cast<int64_t>(y[i * y.row_size()]);
  const int64_t k = y.row_size();
  const float* row = y.data() + i * k;
  if (k == 1) return row[0] > 0.5f ? 1 : 0;
  return std::max_element(row, row + k) - row;
}

detail::StepContext step_context(Sequential::Impl& m) {
  detail::StepContext step;
  step.stream = m.stream;
  step.step = m.compiled ? static_cast<uint64_t>(m.optimizer->iterations()) : 0;
  step.accumulate_grads = false;
  return step;
}

GradWrt fused_wrt(const detail::NetPlan& plan, Loss loss) {
  if (plan.ends_in_softmax() && supports(loss, GradWrt::SoftmaxLogits)) return GradWrt::SoftmaxLogits;
  if (plan.ends_in_sigmoid() && supports(loss, GradWrt::SigmoidLogits)) return GradWrt::SigmoidLogits;
  return GradWrt::Output;
}

Logs make_logs(Sequential::Impl& m, double loss, const Tensor& y, const float* out, const Shape& shape) {
  Logs logs{{"loss", loss}};
  for (const auto& mt : m.metrics) logs.set(mt.name, compute_metric(mt, y, out, shape));
  return logs;
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void record_profile(Sequential::Impl& m, const detail::NetPlan& plan, double loss_ms, double opt_ms, double total_ms) {
  auto& p = m.profile;
  if (p.layers.size() != m.layers.size()) {
    p = {};
    for (const auto& l : m.layers) p.layers.push_back({l->name(), 0, 0});
  }
  for (size_t i = 0; i < p.layers.size(); ++i) {
    p.layers[i].forward_ms += plan.timings()[i].forward_ms;
    p.layers[i].backward_ms += plan.timings()[i].backward_ms;
  }
  p.loss_ms += loss_ms;
  p.optimizer_ms += opt_ms;
  p.total_ms += total_ms;
  ++p.steps;
}

}  // namespace

void Sequential::set_profiling(bool on) {
  impl_->profiling = on;
  if (on) impl_->profile = {};
}

Sequential::StepProfile Sequential::profile() const {
  StepProfile p = impl_->profile;
  if (p.steps == 0) return p;
  const double k = 1.0 / static_cast<double>(p.steps);
  for (auto& l : p.layers) l.forward_ms *= k, l.backward_ms *= k;
  p.loss_ms *= k;
  p.optimizer_ms *= k;
  p.total_ms *= k;
  return p;
}

// Keras 2.2.4's standardize_weights: sample_weight wins over class_weight (which
// is then ignored, with a warning); a class_weight must name every class in y.
std::vector<float> combine_weights(const Tensor& y, Loss loss, const Tensor& sw, const ClassWeights& cw, int64_t n) {
  if (sw.empty() && cw.empty()) return {};
  std::vector<float> w(static_cast<size_t>(n), 1.0f);
  if (!sw.empty()) {
    if (sw.size() != n || sw.dim(0) != n) {
      throw ShapeError("sample_weight: expected shape [" + std::to_string(n) + "] (one weight per sample); received " +
                       to_string(sw.shape()) + ".");
    }
    if (!cw.empty()) {
      static std::once_flag warned;
      std::call_once(warned, [] {
        std::cerr << "petal: found both sample_weight and class_weight: class_weight is ignored (as in Keras "
                     "2.2.4).\n";
      });
    }
    for (int64_t i = 0; i < n; ++i) {
      if (!std::isfinite(sw[i]) || sw[i] < 0) {
        throw DataError("sample_weight: expected finite, non-negative weights; received " + std::to_string(sw[i]) +
                        " for sample " + std::to_string(i) + ".");
      }
      w[i] = sw[i];
    }
    return w;
  }
  std::set<int64_t> missing;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = class_of(y, loss, i);
    auto it = cw.find(c);
    if (it == cw.end()) {
      missing.insert(c);
    } else {
      w[i] = static_cast<float>(it->second);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (int64_t c : missing) list += (list.empty() ? "" : ", ") + std::to_string(c);
    throw ConfigError("class_weight: expected a weight for every class in the data; the classes {" + list +
                      "} exist in the data but not in class_weight.");
  }
  return w;
}

Logs Sequential::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight,
                                const ClassWeights& class_weight) {
  Impl& m = *impl_;
  m.require_compiled("train_on_batch");
  m.prepare_input(*this, x, "train_on_batch");
  const int64_t n = x.dim(0);
  const Shape out_shape = with_batch(n, m.output_shape);
  check_targets(m.loss, y, out_shape);
  if (y.dim(0) != n) {
    throw ShapeError(m.options.name + ".train_on_batch: x has " + std::to_string(n) + " samples but y has " +
                     std::to_string(y.dim(0)) + ".");
  }
  const std::vector<float> w = combine_weights(y, m.loss, sample_weight, class_weight, n);

  const auto t0 = Clock::now();
  detail::NetPlan& plan = m.plan(n, detail::Phase::Train);
  plan.set_profiling(m.profiling);
  if (m.profiling) plan.reset_timings();
  detail::GradientHook* hook = m.grad_hook.get();
  if (hook) hook->begin_step(*this, n);
  detail::StepContext step = step_context(m);
  const float* out = plan.forward(x, step);
  const auto t_loss = Clock::now();
  const GradWrt wrt = fused_wrt(plan, m.loss);
  const std::span<float> grad(plan.output_grad(), static_cast<size_t>(num_elements(out_shape)));
  double loss = weighted_loss(m.loss, y, out, out_shape, w, grad, wrt, m.label_smoothing);
  Logs logs = make_logs(m, 0.0, y, out, out_shape);
  const double loss_ms = ms_since(t_loss);
  step.pre_activation_grad = wrt != GradWrt::Output;
  if (hook) {
    plan.backward(step, [hook](size_t layer) { hook->layer_done(layer); });
    hook->end_step();
  } else {
    plan.backward(step);
  }
  loss += m.regularization(true);
  logs.set("loss", loss);
  const auto t_opt = Clock::now();
  m.optimizer->apply(m.param_list());
  if (m.profiling) record_profile(m, plan, loss_ms, ms_since(t_opt), ms_since(t0));
  return logs;
}

Logs Sequential::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  Impl& m = *impl_;
  m.require_compiled("test_on_batch");
  m.prepare_input(*this, x, "test_on_batch");
  const int64_t n = x.dim(0);
  const Shape out_shape = with_batch(n, m.output_shape);
  check_targets(m.loss, y, out_shape);
  const std::vector<float> w = combine_weights(y, m.loss, sample_weight, {}, n);
  detail::NetPlan& plan = m.plan(n, detail::Phase::Infer);
  detail::StepContext step = step_context(m);
  const float* out = plan.forward(x, step);
  const double loss =
      weighted_loss(m.loss, y, out, out_shape, w, {}, GradWrt::Output, m.label_smoothing) + m.regularization(false);
  return make_logs(m, loss, y, out, out_shape);
}

Tensor Sequential::predict_on_batch(const Tensor& x) {
  Impl& m = *impl_;
  m.prepare_input(*this, x, "predict_on_batch");
  const int64_t n = x.dim(0);
  detail::NetPlan& plan = m.plan(n, detail::Phase::Infer);
  detail::StepContext step = step_context(m);
  const float* out = plan.forward(x, step);
  const Shape out_shape = with_batch(n, m.output_shape);
  return Tensor(out_shape, std::span<const float>(out, static_cast<size_t>(num_elements(out_shape))));
}

}  // namespace petal
