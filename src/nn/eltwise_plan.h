// The plan of a weightless layer that is one elementwise function on oneDNN's
// eltwise primitives (ReLU, LeakyReLU, ELU, Rescaling), in the input's layout.
#pragma once

#include <memory>
#include <optional>

#include "nn/eltwise_ops.h"
#include "nn/layer_plan.h"
#include "petal/layers/activation_layers.h"

namespace petal::detail {

std::unique_ptr<LayerPlan> make_eltwise_plan(const PlanContext& ctx, const EltwiseSpec& spec);

// Whether a layout has padding (blocked channels not a multiple of the block):
// loops that would write f(0) != 0 there run on a plain copy instead.
bool has_padding(const memory::desc& md);

// The eltwise forms of the activation layers, shared by their plans and by
// post-op fusion: relu with a negative slope; ReLU's options (none with a
// threshold, or with a cap and a slope together); ELU.
EltwiseSpec relu_like(float slope);
std::optional<EltwiseSpec> relu_layer_spec(const ReLUOptions& options);
EltwiseSpec elu_layer_spec(float alpha);

}  // namespace petal::detail
