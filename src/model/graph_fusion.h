// Which layers of a graph run inside the primitive before them: an Activation
// after a Conv2D/Dense (both phases), and at inference the chain of batch norms
// and activations after it as post-ops. Proposals only: a node's plan takes a prefix.
#pragma once

#include <vector>

#include "model/graph_plan.h"

namespace petal::detail {

struct FusionProposal {
  ActivationFn activation = ActivationFn::Linear;  // the fused Activation's function
  int activation_node = -1;                        // that Activation node
  std::vector<int> followers;                      // post-op nodes, in graph order
  std::vector<PostOpFollower> forms;               // their post-op forms
};

// Per node. A follower must be the only reader of the tensor before it, which
// must not be a model output; post-op chains only when `post_ops` (inference
// plans without backward).
std::vector<FusionProposal> propose_fusions(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs,
                                            bool post_ops);

}  // namespace petal::detail
