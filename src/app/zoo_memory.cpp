// estimate_zoo_memory: a built-in model's memory at a given input size. Chains
// are walked from their layer configs without building anything (a Flatten
// before Dense makes the weights grow with the input, so building first could be
// the allocation the check is meant to prevent); graph models end in global
// pooling, so their weights do not depend on the input size, and they are built
// at that size and their graph's output shapes summed (estimate_memory(Model)).
#include "petal/app/memory_estimate.h"
#include "petal/models/zoo.h"

namespace petal {

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
