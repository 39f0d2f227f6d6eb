// GlobalAveragePooling2D on petal's channel-block loops (channel_walk.h), for
// the layouts they walk: oneDNN's jit pooling spends ~0.2 ms forward and
// ~0.4 ms backward on MobileNetV2's 32x1280x3x3 (a 3x3 window per channel
// block and image, 1.5 MB), ten times the memory time; its reduction
// primitive is a reference kernel in oneDNN 2.6.
#pragma once

#include <memory>

#include "nn/layer_plan.h"

namespace petal::detail {

// The plan, or null where the loops do not walk the input's layout.
std::unique_ptr<LayerPlan> global_average_plan(const PlanContext& ctx, const Shape& input_shape);

}  // namespace petal::detail
