// A training batch norm (with its fused ReLU or ReLU6, and a ZeroPadding2D
// folded into the convolution) whose only reader is a 3x3 DepthwiseConv2D, run
// as one plan on that convolution's node: the batch norm's output is never
// written. Forward takes the statistics, then convolves the normalised input
// as it reads it; backward computes the kernel gradient, the masked gradient
// of the normalised value and the batch norm's sums in one pass over x, dy
// and g (depthwise_kernels.h), then the batch norm's input gradient over g.
//
// Why: MobileNetV2's expanded tensors are the largest it has (28 MB at 96x96,
// batch 32), and each byte not written in forward and not read in backward is
// memory traffic saved: the batch norm's output (written, read by the
// convolution's forward and backward-weights), and one of the batch norm's
// two backward passes over x and its output gradient. oneDNN's convolutions
// cannot apply an affine and clamp to their input, nor sum their input
// gradient as they write it. The graph plan makes the batch norm's node an
// identity (graph_fusion.h) where the input's layout fits.
#pragma once

#include <memory>

#include "nn/layer_plan.h"

namespace petal {
class BatchNormalization;
class DepthwiseConv2D;
}  // namespace petal

namespace petal::detail {

// The layers fit: the batch norm normalises the channels; the convolution is
// 3x3, strides 1x1 or 2x2, no dilation, depth multiplier 1, no bias, linear.
bool normalized_depthwise_fits(const BatchNormalization& norm, const DepthwiseConv2D& conv);
// The batch norm's input layout fits: channel blocks of 8 or 16 (oneDNN's
// aBcd8b, aBcd16b), 4-D.
bool normalized_depthwise_layout(const memory::desc& md);
// The plan for ctx.input_norm followed by `conv` (ctx.src_md: the batch norm's input).
std::unique_ptr<LayerPlan> make_normalized_depthwise_plan(DepthwiseConv2D& conv, const PlanContext& ctx);

}  // namespace petal::detail
