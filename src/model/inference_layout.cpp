// inference_conv_layout: does any convolution of the graph run Winograd?
#include "model/inference_layout.h"

#include <array>

#include "nn/conv_plan.h"
#include "petal/layers/conv2d.h"

namespace petal::detail {

namespace {

// The shapes oneDNN has a Winograd kernel for, of the convolutions a plan tries it on.
bool winograd_shaped(const Conv2D& conv) {
  const auto& o = conv.options();
  return winograd_allowed(conv) && o.kernel_size == std::array<int64_t, 2>{3, 3} &&
         o.strides == std::array<int64_t, 2>{1, 1};
}

}  // namespace

memory::format_tag inference_conv_layout(const std::vector<PlanNode>& nodes, dnnl::algorithm conv_algorithm,
                                         const dnnl::engine& engine) {
  if (conv_algorithm != dnnl::algorithm::convolution_auto) return Tag::any;
  for (const PlanNode& node : nodes) {
    const auto* conv = dynamic_cast<const Conv2D*>(node.layer);
    if (conv && winograd_shaped(*conv)) return winograd_available(engine) ? kWinogradActivationTag : Tag::any;
  }
  return Tag::any;
}

}  // namespace petal::detail
