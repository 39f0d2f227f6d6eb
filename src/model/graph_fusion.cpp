// Fusion proposals: a walk from each Conv2D/Dense-like node along single
// readers, collecting the layers that have a post-op form.
#include "model/graph_fusion.h"

#include <algorithm>

#include "nn/activation_ops.h"
#include "nn/post_op_chain.h"
#include "petal/layers/core_layers.h"

namespace petal::detail {

namespace {

// The one node reading `k` (once, as its only input), or -1.
int sole_reader(const std::vector<PlanNode>& nodes, const std::vector<std::vector<int>>& readers,
                const std::vector<bool>& is_output, int k) {
  if (readers[k].size() != 1 || is_output[k]) return -1;
  const int j = readers[k][0];
  return nodes[j].layer && nodes[j].inputs.size() == 1 ? j : -1;
}

}  // namespace

std::vector<FusionProposal> propose_fusions(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs,
                                            bool post_ops) {
  const size_t n = nodes.size();
  std::vector<std::vector<int>> readers(n);
  for (size_t k = 0; k < n; ++k) {
    for (int i : nodes[k].inputs) readers[i].push_back(static_cast<int>(k));
  }
  std::vector<bool> is_output(n, false), claimed(n, false);
  for (int o : outputs) is_output[o] = true;
  std::vector<FusionProposal> out(n);
  for (size_t k = 0; k < n; ++k) {
    Layer* l = nodes[k].layer;
    if (!l || claimed[k]) continue;
    int tail = static_cast<int>(k);
    if (l->accepts_fused_activation()) {
      const int j = sole_reader(nodes, readers, is_output, tail);
      const auto* act = j >= 0 ? dynamic_cast<const Activation*>(nodes[j].layer) : nullptr;
      if (act && ActivationOps::fusable(act->fn())) {
        out[k].activation = act->fn();
        out[k].activation_node = j;
        claimed[j] = true;
        tail = j;
      }
    }
    if (!post_ops) continue;
    for (int j = sole_reader(nodes, readers, is_output, tail); j >= 0; j = sole_reader(nodes, readers, is_output, j)) {
      std::optional<PostOpFollower> form = post_op_form(*nodes[j].layer);
      if (!form) break;
      out[k].followers.push_back(j);
      out[k].forms.push_back(*form);
    }
  }
  return out;
}

}  // namespace petal::detail
