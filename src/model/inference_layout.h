// The activation layout of an inference plan's convolutions: oneDNN's choice per
// primitive, or one blocked layout for all where Winograd convolutions run.
#pragma once

#include <vector>

#include "model/graph_plan.h"

namespace petal::detail {

// Winograd's blocked layout (aBcd16b) when the graph has a Conv2D that
// convolution_auto runs with Winograd on this CPU (winograd_allowed, 3x3,
// stride 1); else `any`. With every
// convolution reading and writing it, Winograd convolutions and the residual sums
// around them meet without reorders; oneDNN's own choice (channels-last beside
// Winograd's blocks) costs a reorder in and out of each and keeps the residual
// sums out of Winograd (ResNet-18 inferred 1.8x slower).
memory::format_tag inference_conv_layout(const std::vector<PlanNode>& nodes, dnnl::algorithm conv_algorithm,
                                         const dnnl::engine& engine);

}  // namespace petal::detail
