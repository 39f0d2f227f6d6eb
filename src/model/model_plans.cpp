// Model: building for input shapes, input checks and the plan cache.
#include <algorithm>

#include "model/model_impl.h"
#include "nn/param_layout.h"
#include "petal/core/error.h"

namespace petal {

void Model::build(const Shape& input_shape) {
  Impl& m = *impl_;
  if (m.built) {
    if (m.input_nodes.size() != 1 || input_shape != m.node_shape(m.input_nodes[0])) {
      throw ShapeError(m.options.name + ": expected inputs of shape " + to_keras_string(this->input_shape()) +
                       "; received " + to_keras_string(input_shape) + ".");
    }
    return;
  }
  if (!m.sequential || m.layers.empty()) throw StateError(m.options.name + ": cannot build a model without layers.");
  Shape s = input_shape;
  for (auto& l : m.layers) s = l->build(s, m.rng);
  m.build_chain(input_shape);
}

void Model::Impl::build_chain(const Shape& input_shape) {
  nodes.assign(1, detail::PlanNode{.layer = nullptr, .inputs = {}, .shape = input_shape, .layer_id = -1});
  node_layers.assign(1, nullptr);
  node_calls.assign(1, 0);
  for (size_t i = 0; i < layers.size(); ++i) {
    nodes.push_back(
        {.layer = layers[i].get(), .inputs = {static_cast<int>(i)}, .shape = {}, .layer_id = static_cast<int>(i)});
    node_layers.push_back(layers[i].get());
    node_calls.push_back(0);
  }
  input_nodes = {0};
  output_nodes = {static_cast<int>(nodes.size()) - 1};
  sequential_input_shape = input_shape;
  built = !layers.empty();
  params_dirty = true;
  invalidate_plans();
  if (compiled) resolve_metrics();
}

void Model::Impl::prepare_inputs(Model& model, const TensorRefs& x, const char* what) {
  const size_t expected = built ? input_nodes.size() : 1;
  if (x.size() != expected) {
    throw ShapeError(options.name + "." + what + ": expected " + std::to_string(expected) +
                     " input arrays (one per model input); received " + std::to_string(x.size()) + ".");
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].rank() < 2 || x[i].dim(0) == 0) {
      throw ShapeError(options.name + "." + what + ": expected a non-empty batch [N, ...]; received " +
                       to_string(x[i].shape()) + (x.size() > 1 ? " for input " + std::to_string(i) : "") + ".");
    }
    if (x[i].dim(0) != x[0].dim(0)) {
      throw ShapeError(options.name + "." + what + ": the inputs have different sample counts: " +
                       to_string(x[0].shape()) + " and " + to_string(x[i].shape()) + ".");
    }
  }
  const Shape per_sample(x[0].shape().begin() + 1, x[0].shape().end());
  if (!built) {
    model.build(per_sample);
    return;
  }
  for (size_t i = 0; i < x.size(); ++i) {
    const Shape& want = nodes[input_nodes[i]].shape;
    if (x[i].rank() != static_cast<int>(want.size()) + 1 ||
        !std::equal(want.begin(), want.end(), x[i].shape().begin() + 1)) {
      throw ShapeError(options.name + "." + what + ": expected inputs " + to_keras_string(want) + "; received " +
                       to_string(x[i].shape()) + (x.size() > 1 ? " for input " + std::to_string(i) : "") + ".");
    }
  }
}

detail::GraphPlan& Model::Impl::plan(int64_t batch, detail::Phase phase) {
  ++plan_clock;
  for (auto& c : plans) {
    if (c.batch == batch && c.phase == phase) {
      c.last_used = plan_clock;
      return *c.plan;
    }
  }
  if (plans.size() >= kMaxPlans) {
    auto lru = std::min_element(plans.begin(), plans.end(),
                                [](const CachedPlan& a, const CachedPlan& b) { return a.last_used < b.last_used; });
    plans.erase(lru);
  }
  // Planning may move a parameter into a blocked storage layout: bring any
  // optimizer state it already has (e.g. loaded from a model file) along.
  std::vector<std::pair<Param*, const detail::ParamLayout*>> before;
  for (Param* p : param_list()) before.emplace_back(p, p->layout.get());
  // convolution_winograd stands for petal's own Winograd (nn/winograd_plan.h).
  const auto algorithm = options.conv_algorithm == ConvAlgorithm::Direct     ? dnnl::algorithm::convolution_direct
                         : options.conv_algorithm == ConvAlgorithm::Winograd ? dnnl::algorithm::convolution_winograd
                                                                             : dnnl::algorithm::convolution_auto;
  auto p = std::make_unique<detail::GraphPlan>(nodes, output_nodes, batch, phase, engine, false, algorithm);
  for (auto [param, old_layout] : before) {
    if (param->layout.get() == old_layout || !optimizer || !optimizer->has_slots(*param)) continue;
    for (Tensor& slot : optimizer->slots(*param)) slot = from_keras_layout(*param, slot);
  }
  plans.push_back({batch, phase, plan_clock, std::move(p)});
  return *plans.back().plan;
}

}  // namespace petal

namespace petal::detail {

void set_gradient_hook(Model& model, std::shared_ptr<GradientHook> hook) { model.impl().grad_hook = std::move(hook); }
GradientHook* gradient_hook(const Model& model) { return model.impl().grad_hook.get(); }

}  // namespace petal::detail
