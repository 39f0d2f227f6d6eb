// Sequential: a chain of layers grown by add().
#include "petal/model/sequential.h"

#include "model/model_impl.h"
#include "petal/core/error.h"

namespace petal {

namespace {

std::unique_ptr<Model::Impl> sequential_impl(SequentialOptions o) {
  auto impl = std::make_unique<Model::Impl>(
      ModelOptions{.seed = o.seed, .name = std::move(o.name), .conv_algorithm = o.conv_algorithm});
  impl->sequential = true;
  impl->sequential_input_shape = std::move(o.input_shape);
  return impl;
}

}  // namespace

Sequential::Sequential(SequentialOptions options) : Model(sequential_impl(std::move(options))) {}

Layer& Sequential::add(std::shared_ptr<Layer> layer) {
  Impl& m = *impl_;
  if (!layer) throw ConfigError(m.options.name + ".add: received a null layer.");
  if (layer->takes_multiple_inputs()) {
    throw ConfigError(m.options.name + ".add: " + layer->where() + " takes several inputs; a Sequential model is a "
                      "chain.\nHint: build it with the functional API (Input, Model(inputs, outputs)).");
  }
  if (layer->name().empty()) {
    layer->set_name(layer->name_prefix() + "_" + std::to_string(++m.name_counts[layer->name_prefix()]));
  }
  for (const auto& l : m.layers) {
    if (l->name() == layer->name()) {
      throw ConfigError(m.options.name + ".add: a layer named '" + layer->name() +
                        "' already exists; layer names must be unique.");
    }
  }
  if (m.layers.empty() && m.sequential_input_shape.empty()) m.sequential_input_shape = layer->declared_input_shape();
  Layer& added = *layer;
  const bool build_now = m.built || (m.layers.empty() && !m.sequential_input_shape.empty());
  const Shape in = m.layers.empty() ? m.sequential_input_shape : m.layers.back()->output_shape();
  if (build_now) added.build(in, m.rng);
  added.set_owned_by_model();
  m.layers.push_back(std::move(layer));
  m.params_dirty = true;
  m.invalidate_plans();
  if (build_now) m.build_chain(m.sequential_input_shape);
  return added;
}

}  // namespace petal
