// Which layers of a graph run inside the primitive before them: an activation
// layer (Activation, or a ReLU that is relu or relu6) after a layer that accepts
// its function (Conv2D/Dense; BatchNormalization takes relu and relu6), in both
// phases; a ZeroPadding2D before a convolution as its padding (both phases);
// a training batch norm before a depthwise convolution as its input's
// normalisation; and at inference the chain of batch norms and activations after it as
// post-ops, up to a 2x2 max pooling (which petal's Winograd takes). Proposals
// only: a node's plan takes a prefix of its post-ops.
#pragma once

#include <array>
#include <vector>

#include "model/graph_plan.h"

namespace petal::detail {

struct FusionProposal {
  ActivationFn activation = ActivationFn::Linear;  // the fused activation layer's function
  int activation_node = -1;                        // that layer's node
  std::vector<int> followers;                      // post-op nodes, in graph order
  std::vector<PostOpFollower> forms;               // their post-op forms
  // A residual Add among the followers (a sum post-op): its position, and its
  // other input, a node before this one whose buffer the sum adds into.
  int sum_position = -1;
  int sum_other = -1;
  // A ZeroPadding2D folded into the convolution reading it (on the
  // padding node: that convolution; on the convolution: the border it adds).
  int padding_into = -1;
  std::array<int64_t, 4> folded_padding = {0, 0, 0, 0};
  // Training: a batch norm run as the input normalisation of the DepthwiseConv2D
  // reading it (normalized_depthwise_plan.h): on the batch norm, that
  // convolution's node; on the convolution, the batch norm's node and its
  // fused activation. The graph plan takes it where the input's layout fits.
  int input_norm_into = -1;
  int input_norm = -1;
  ActivationFn input_norm_activation = ActivationFn::Linear;
};

// Per node. A follower must be the only reader of the tensor before it, which
// must not be a model output; post-op chains only when `post_ops` (inference
// plans without backward), ZeroPadding2D folds only when `fold_padding`. A two-input Add whose other input comes before the
// node is proposed as a sum; whether that buffer may be written over is for the
// graph plan to decide (it knows the aliases). Input normalisations only when
// `input_norms` (training plans).
// readers[k]: the nodes that read node k (one entry per input slot).
std::vector<FusionProposal> propose_fusions(const std::vector<PlanNode>& nodes,
                                            const std::vector<std::vector<int>>& readers, const std::vector<int>& outputs,
                                            bool post_ops, bool fold_padding, bool input_norms = false);

}  // namespace petal::detail
