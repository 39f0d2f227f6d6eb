// One batch at a time: train_on_batch (the training step every loop uses),
// test_on_batch and predict_on_batch.
#include <set>
#include <mutex>
#include <iostream>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "model/model_impl.h"
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

detail::StepContext step_context(Model::Impl& m) {
  detail::StepContext step;
  step.stream = m.stream;
  step.step = m.compiled ? static_cast<uint64_t>(m.optimizer->iterations()) : 0;
  step.accumulate_grads = false;
  return step;
}

GradWrt fused_wrt(const detail::GraphPlan& plan, size_t output, Loss loss) {
  if (plan.ends_in_softmax(output) && supports(loss, GradWrt::SoftmaxLogits)) return GradWrt::SoftmaxLogits;
  if (plan.ends_in_sigmoid(output) && supports(loss, GradWrt::SigmoidLogits)) return GradWrt::SigmoidLogits;
  return GradWrt::Output;
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void record_profile(Model::Impl& m, const detail::GraphPlan& plan, double loss_ms, double opt_ms, double total_ms) {
  auto& p = m.profile;
  if (p.layers.size() != m.layers.size()) {
    p = {};
    for (const auto& l : m.layers) p.layers.push_back({l->name(), 0, 0});
  }
  for (size_t k = 0; k < m.nodes.size(); ++k) {
    if (m.nodes[k].layer_id < 0) continue;
    p.layers[m.nodes[k].layer_id].forward_ms += plan.timings()[k].forward_ms;
    p.layers[m.nodes[k].layer_id].backward_ms += plan.timings()[k].backward_ms;
  }
  p.loss_ms += loss_ms;
  p.optimizer_ms += opt_ms;
  p.total_ms += total_ms;
  ++p.steps;
}

}  // namespace

void Model::set_profiling(bool on) {
  impl_->profiling = on;
  if (on) impl_->profile = {};
}

Model::StepProfile Model::profile() const {
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


namespace {

// Targets: one per output, each matching its output's shape and the batch.
void check_all_targets(Model::Impl& m, const TensorRefs& y, int64_t n, const char* what) {
  if (y.size() != m.output_nodes.size()) {
    throw ShapeError(m.options.name + "." + what + ": expected " + std::to_string(m.output_nodes.size()) +
                     " target arrays (one per model output); received " + std::to_string(y.size()) + ".");
  }
  for (size_t o = 0; o < y.size(); ++o) {
    check_targets(m.losses[o], y[o], with_batch(n, m.node_shape(m.output_nodes[o])));
    if (y[o].dim(0) != n) {
      throw ShapeError(m.options.name + "." + what + ": x has " + std::to_string(n) + " samples but y has " +
                       std::to_string(y[o].dim(0)) + ".");
    }
  }
}

// Loss of every output (the gradient too when `train`): the total in logs["loss"],
// each output's own as "<output>_loss" when there are several, then metrics.
Logs output_losses(Model& model, detail::GraphPlan& plan, const TensorRefs& y, int64_t n, std::span<const float> w,
                   bool train) {
  Model::Impl& m = model.impl();
  const size_t outputs = m.output_nodes.size();
  m.pre_activation.resize(outputs);
  Logs logs{{"loss", 0.0}};
  double total = 0;
  std::vector<std::string> names = outputs > 1 ? model.output_names() : std::vector<std::string>{};
  for (size_t o = 0; o < outputs; ++o) {
    const Shape shape = with_batch(n, m.node_shape(m.output_nodes[o]));
    const GradWrt wrt = train ? fused_wrt(plan, o, m.losses[o]) : GradWrt::Output;
    m.pre_activation[o] = wrt != GradWrt::Output;
    const std::span<float> grad =
        train ? std::span<float>(plan.output_grad(o), static_cast<size_t>(num_elements(shape))) : std::span<float>();
    const double value = weighted_loss(m.losses[o], y[o], plan.output(o), shape, w, grad, wrt, m.label_smoothing[o]);
    const auto scale = static_cast<float>(m.loss_weights[o]);
    if (scale != 1.0f) {
      for (float& g : grad) g *= scale;
    }
    total += m.loss_weights[o] * value;
    if (outputs > 1) logs.set(names[o] + "_loss", value);
  }
  for (size_t o = 0; o < outputs; ++o) {
    const Shape shape = with_batch(n, m.node_shape(m.output_nodes[o]));
    for (const auto& mt : m.metrics[o]) {
      logs.set(outputs > 1 ? names[o] + "_" + mt.name : mt.name, compute_metric(mt, y[o], plan.output(o), shape));
    }
  }
  logs.set("loss", total);
  return logs;
}

}  // namespace

Logs Model::train_on_batch(const TensorRefs& x, const TensorRefs& y, const Tensor& sample_weight,
                           const ClassWeights& class_weight) {
  Impl& m = *impl_;
  m.require_compiled("train_on_batch");
  m.prepare_inputs(*this, x, "train_on_batch");
  const int64_t n = x[0].dim(0);
  check_all_targets(m, y, n, "train_on_batch");
  if (!class_weight.empty() && m.output_nodes.size() > 1) {
    throw ConfigError(name() + ".train_on_batch: class_weight applies to single-output models; this one has " +
                      std::to_string(m.output_nodes.size()) + " outputs.\nHint: use sample_weight.");
  }
  const std::vector<float> w = combine_weights(y[0], m.losses[0], sample_weight, class_weight, n);

  const auto t0 = Clock::now();
  detail::GraphPlan& plan = m.plan(n, detail::Phase::Train);
  plan.set_profiling(m.profiling);
  if (m.profiling) plan.reset_timings();
  detail::GradientHook* hook = m.grad_hook.get();
  if (hook) hook->begin_step(*this, m.param_list(), n);
  detail::StepContext step = step_context(m);
  plan.forward(x, step);
  const auto t_loss = Clock::now();
  Logs logs = output_losses(*this, plan, y, n, w, true);
  const double loss_ms = ms_since(t_loss);
  if (hook) {
    plan.backward(step, m.pre_activation, [hook](int layer) { hook->layer_done(static_cast<size_t>(layer)); });
    hook->end_step();
  } else {
    plan.backward(step, m.pre_activation);
  }
  logs.set("loss", logs.at("loss") + m.regularization(true));
  const auto t_opt = Clock::now();
  m.optimizer->apply(m.param_list());
  if (m.profiling) record_profile(m, plan, loss_ms, ms_since(t_opt), ms_since(t0));
  return logs;
}

Logs Model::test_on_batch(const TensorRefs& x, const TensorRefs& y, const Tensor& sample_weight) {
  Impl& m = *impl_;
  m.require_compiled("test_on_batch");
  m.prepare_inputs(*this, x, "test_on_batch");
  const int64_t n = x[0].dim(0);
  check_all_targets(m, y, n, "test_on_batch");
  const std::vector<float> w = combine_weights(y[0], m.losses[0], sample_weight, {}, n);
  detail::GraphPlan& plan = m.plan(n, detail::Phase::Infer);
  detail::StepContext step = step_context(m);
  plan.forward(x, step);
  Logs logs = output_losses(*this, plan, y, n, w, false);
  logs.set("loss", logs.at("loss") + m.regularization(false));
  return logs;
}

TensorList Model::predict_on_batch(const TensorRefs& x) {
  Impl& m = *impl_;
  m.prepare_inputs(*this, x, "predict_on_batch");
  const int64_t n = x[0].dim(0);
  detail::GraphPlan& plan = m.plan(n, detail::Phase::Infer);
  detail::StepContext step = step_context(m);
  plan.forward(x, step);
  std::vector<Tensor> out;
  for (size_t o = 0; o < m.output_nodes.size(); ++o) {
    const Shape shape = with_batch(n, m.node_shape(m.output_nodes[o]));
    out.emplace_back(shape, std::span<const float>(plan.output(o), static_cast<size_t>(num_elements(shape))));
  }
  return TensorList(std::move(out));
}

}  // namespace petal
