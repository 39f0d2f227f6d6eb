// The functional API's symbolic side: Input(), calling a layer on tensors.
#include <string>

#include "model/graph_node.h"
#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/layers/input_layer.h"

namespace petal {

namespace {

const detail::GraphNode& node_of(const KerasTensor& t) {
  if (!t.node()) throw ConfigError("KerasTensor: this tensor is empty; expected the result of Input() or of a layer call.");
  return *t.node();
}

}  // namespace

const Shape& KerasTensor::shape() const { return node_of(*this).shape; }
Layer& KerasTensor::layer() const { return *node_of(*this).layer; }

KerasTensor Input(Shape shape, InputOptions options) {
  auto layer = std::make_shared<InputLayer>(InputLayerOptions{.shape = shape, .name = options.name});
  auto scope = std::make_shared<detail::NameScope>();
  if (options.name.empty()) layer->set_auto_name(scope->next(layer->name_prefix()));
  Rng rng(0);
  layer->build(shape, rng);
  return KerasTensor(std::make_shared<detail::GraphNode>(detail::GraphNode{layer, {}, std::move(shape), scope}));
}

KerasTensor call_layer(const std::shared_ptr<Layer>& layer, const std::vector<KerasTensor>& inputs) {
  if (!layer) throw ConfigError("call_layer: received a null layer.");
  const std::string what = layer->type() + (layer->name().empty() ? "" : "(name='" + layer->name() + "')");
  if (inputs.empty()) throw ConfigError(what + ": expected at least one input tensor; received none.");
  for (const KerasTensor& t : inputs) node_of(t);
  if (dynamic_cast<InputLayer*>(layer.get())) {
    throw ConfigError(what + ": an InputLayer cannot be called on tensors.\nHint: use petal::Input(shape).");
  }
  if (inputs.size() > 1 && !layer->takes_multiple_inputs()) {
    throw ConfigError(what + ": expected one input tensor; received " + std::to_string(inputs.size()) + ".");
  }
  if (inputs.size() == 1 && layer->takes_multiple_inputs()) {
    throw ConfigError(what + ": a merge layer expects a list of at least 2 input tensors; received 1.");
  }
  const std::shared_ptr<detail::NameScope>& scope = inputs[0].node()->scope;
  if (layer->name().empty()) layer->set_auto_name(scope->next(layer->name_prefix()));
  std::vector<Shape> shapes;
  for (const KerasTensor& t : inputs) shapes.push_back(t.shape());
  // Weights made here are provisional: the first model to own the layer draws
  // them again from its seed (Model's constructor), as a Sequential does.
  Rng rng(0);
  Shape out = layer->build_inputs(shapes, rng);
  return KerasTensor(std::make_shared<detail::GraphNode>(detail::GraphNode{layer, inputs, std::move(out), scope}));
}

KerasTensor Layer::operator()(const KerasTensor& input) && { return call_layer(std::move(*this).into_shared(), {input}); }

KerasTensor Layer::operator()(const std::vector<KerasTensor>& inputs) && {
  return call_layer(std::move(*this).into_shared(), inputs);
}

}  // namespace petal
