// The plan of a weightless layer that is one elementwise function on oneDNN's
// eltwise primitives (ReLU, LeakyReLU, ELU, Rescaling), in the input's layout.
#pragma once

#include <memory>

#include "nn/eltwise_ops.h"
#include "nn/layer_plan.h"

namespace petal::detail {

std::unique_ptr<LayerPlan> make_eltwise_plan(const PlanContext& ctx, const EltwiseSpec& spec);

// Whether a layout has padding (blocked channels not a multiple of the block):
// loops that would write f(0) != 0 there run on a plain copy instead.
bool has_padding(const memory::desc& md);

}  // namespace petal::detail
