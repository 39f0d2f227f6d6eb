// The node behind a KerasTensor: one call of a layer on input tensors, and the
// name scope its graph draws automatic layer names from.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "petal/model/keras_tensor.h"

namespace petal::detail {

// Automatic names (dense_1, dense_2, ...) of the layers called in one graph,
// counted from the Input() it started at.
struct NameScope {
  std::map<std::string, int> counts;
  std::string next(const std::string& prefix) { return prefix + "_" + std::to_string(++counts[prefix]); }
};

struct GraphNode {
  std::shared_ptr<Layer> layer;      // an InputLayer for Input()
  std::vector<KerasTensor> inputs;   // empty for Input()
  Shape shape;                       // output shape per sample
  std::shared_ptr<NameScope> scope;
};

}  // namespace petal::detail
