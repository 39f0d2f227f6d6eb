// Chain plans as graph plans: node 0 is the input, node i + 1 is layer i.
#include "model/net_plan.h"

namespace petal::detail {

namespace {

std::vector<PlanNode> chain(const std::vector<Layer*>& layers, const Shape& input_shape) {
  std::vector<PlanNode> nodes{{.layer = nullptr, .inputs = {}, .shape = input_shape, .layer_id = -1}};
  for (size_t i = 0; i < layers.size(); ++i) {
    nodes.push_back({.layer = layers[i], .inputs = {static_cast<int>(i)}, .shape = {}, .layer_id = static_cast<int>(i)});
  }
  return nodes;
}

}  // namespace

NetPlan::NetPlan(const std::vector<Layer*>& layers, const Shape& input_shape, int64_t batch, Phase phase,
                 const dnnl::engine& engine, bool input_grad, dnnl::algorithm conv_algorithm)
    : graph_(chain(layers, input_shape), {static_cast<int>(layers.size())}, batch, phase, engine, input_grad,
             conv_algorithm) {}

const float* NetPlan::forward(const Tensor& x, StepContext& step) {
  graph_.forward(TensorRefs(x), step);
  return graph_.output(0);
}

void NetPlan::backward(StepContext& step, const std::function<void(size_t)>& layer_done) {
  const char pre = step.pre_activation_grad ? 1 : 0;
  graph_.backward(step, std::span<const char>(&pre, 1),
                  layer_done ? [&layer_done](int id) { layer_done(static_cast<size_t>(id)); } : std::function<void(int)>{});
}

}  // namespace petal::detail
