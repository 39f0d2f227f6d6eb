// estimate_zoo_memory: a built-in model's memory at a given input size. Chains
// are walked from their layer configs without building anything (a Flatten
// before Dense makes the weights grow with the input, so building first could be
// the allocation the check is meant to prevent); graph models end in global
// pooling, so their weights do not depend on the input size, and they are built
// at that size and their graph's output shapes summed.
#include <set>

#include "model/graph_node.h"
#include "petal/app/memory_estimate.h"
#include "petal/models/zoo.h"

namespace petal {

namespace {

double elements(const Shape& shape) {
  double n = 1;
  for (int64_t d : shape) n *= static_cast<double>(d);
  return n;
}

}  // namespace

MemoryEstimate estimate_memory(const Model& built, int64_t batch, bool training) {
  MemoryEstimate e;
  double activations = 0, largest = -1;
  std::set<const detail::GraphNode*> seen;
  std::vector<KerasTensor> todo = built.outputs();
  while (!todo.empty()) {
    const KerasTensor t = todo.back();
    todo.pop_back();
    if (!seen.insert(t.node().get()).second) continue;
    const double n = elements(t.shape());
    activations += n;
    if (n > largest) {
      largest = n;
      e.largest_layer = t.layer().name();
      e.largest_output = t.shape();
    }
    todo.insert(todo.end(), t.node()->inputs.begin(), t.node()->inputs.end());
  }
  const double params = static_cast<double>(built.count_params());
  e.parameters = built.count_params();
  e.activations = static_cast<int64_t>(std::min(activations, 9e18));
  e.bytes = 4.0 * (params * (training ? 4.0 : 1.0) + static_cast<double>(batch) * activations * (training ? 3.0 : 1.0));
  return e;
}

MemoryEstimate estimate_zoo_memory(const std::string& model, const ZooOptions& options, int64_t batch, bool training) {
  ZooOptions small = options;
  small.height = small.width = 32;
  const Model probe = build_model(model, small);
  if (!probe.is_sequential()) return estimate_memory(build_model(model, options), batch, training);
  std::vector<LayerSpec> specs;
  for (const Layer* l : probe.layers()) specs.push_back({l->type(), l->config_json()});
  return estimate_memory(specs, {options.height, options.width, options.depth}, batch, training);
}

}  // namespace petal
