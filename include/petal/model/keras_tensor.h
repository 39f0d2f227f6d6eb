// Keras's functional API: symbolic tensors. Input() starts a graph; calling a
// layer on tensors builds it for their shapes and returns its output tensor;
// Model(inputs, outputs) takes the graph between them.
//
//   auto inputs = petal::Input({64, 64, 3});
//   auto x = petal::Conv2D({.filters = 32, .padding = petal::Padding::Same})(inputs);
//   auto dense = petal::shared(petal::Dense({.units = 8}));   // one layer, called twice
//   auto a = dense(x1), b = dense(x2);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "petal/core/shape.h"
#include "petal/layers/layer.h"

namespace petal {

namespace detail {
struct GraphNode;
}

// The output of one call of a layer (or of Input()), without batch dimension.
class KerasTensor {
 public:
  KerasTensor() = default;
  explicit KerasTensor(std::shared_ptr<detail::GraphNode> node) : node_(std::move(node)) {}
  const Shape& shape() const;
  // The layer that produced it (an InputLayer for Input()).
  Layer& layer() const;
  const std::shared_ptr<detail::GraphNode>& node() const { return node_; }
  explicit operator bool() const { return static_cast<bool>(node_); }

 private:
  std::shared_ptr<detail::GraphNode> node_;
};

struct InputOptions {
  std::string name = {};  // default input_1, input_2, ...
};

// A model input of per-sample shape `shape` (Keras's Input(shape=...)).
KerasTensor Input(Shape shape, InputOptions options = {});

// Calls a layer owned elsewhere on tensors (what Layer::operator() does for a
// temporary layer): the same layer at several calls shares its weights.
KerasTensor call_layer(const std::shared_ptr<Layer>& layer, const std::vector<KerasTensor>& inputs);

// A layer meant to be called several times (shared weights), Keras's
//   dense = Dense(8); a = dense(x1); b = dense(x2)
template <typename L>
class SharedLayer {
 public:
  explicit SharedLayer(L layer) : layer_(std::make_shared<L>(std::move(layer))) {}
  KerasTensor operator()(const KerasTensor& input) const { return call_layer(layer_, {input}); }
  KerasTensor operator()(const std::vector<KerasTensor>& inputs) const { return call_layer(layer_, inputs); }
  L& operator*() const { return *layer_; }
  L* operator->() const { return layer_.get(); }
  const std::shared_ptr<L>& get() const { return layer_; }

 private:
  std::shared_ptr<L> layer_;
};

template <typename L>
SharedLayer<L> shared(L layer) {
  return SharedLayer<L>(std::move(layer));
}

}  // namespace petal
