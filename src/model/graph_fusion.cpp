// Fusion proposals: a walk from each node along single readers, collecting the
// layers that have a post-op form and one residual Add.
#include "model/graph_fusion.h"

#include <algorithm>
#include <map>
#include <optional>

#include "nn/activation_ops.h"
#include "nn/normalized_depthwise_plan.h"
#include "nn/post_op_chain.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/merge.h"
#include "petal/layers/padding2d.h"

namespace petal::detail {

namespace {

// The one node reading `k` (once, as its only input), or -1.
int sole_reader(const std::vector<PlanNode>& nodes, const std::vector<std::vector<int>>& readers,
                const std::vector<bool>& is_output, int k) {
  if (readers[k].size() != 1 || is_output[k]) return -1;
  const int j = readers[k][0];
  return nodes[j].layer && nodes[j].inputs.size() == 1 ? j : -1;
}

// The activation function a single-input layer computes, when it is one of
// ActivationFn's: an Activation, or a ReLU layer that is relu or relu6.
std::optional<ActivationFn> activation_of(const Layer* layer) {
  if (const auto* act = dynamic_cast<const Activation*>(layer)) return act->fn();
  if (const auto* relu = dynamic_cast<const ReLU*>(layer)) {
    const ReLUOptions& o = relu->options();
    if (o.threshold != 0.0f || o.negative_slope != 0.0f) return std::nullopt;
    if (!o.max_value) return ActivationFn::Relu;
    if (*o.max_value == 6.0f) return ActivationFn::Relu6;
  }
  return std::nullopt;
}

bool is_add(const Layer* layer) {
  const auto* merge = dynamic_cast<const Merge*>(layer);
  return merge && merge->op() == MergeOp::Add;
}

// Walks on from `tail` (the head or its fused Activation) while the next layer
// has a post-op form (a pooling ends the walk) or is the head's one residual
// Add, whose other operand must be ready when the head runs: computed before
// it, or proposed to an earlier head.
// proposed_by: the head each node was proposed to so far (-1: none).
void collect_followers(const std::vector<PlanNode>& nodes, const std::vector<std::vector<int>>& readers,
                       const std::vector<bool>& is_output, int head, int tail, FusionProposal& p,
                       std::vector<int>& proposed_by) {
  while (readers[tail].size() == 1 && !is_output[tail]) {
    const int j = readers[tail][0];
    const PlanNode& next = nodes[j];
    if (!next.layer) return;
    PostOpFollower form;
    if (next.inputs.size() == 1) {
      std::optional<PostOpFollower> f = post_op_form(*next.layer);
      if (!f) return;
      form = *f;
    } else {
      if (p.sum_position >= 0 || !is_add(next.layer) || next.inputs.size() != 2) return;
      const int other = next.inputs[0] == tail ? next.inputs[1] : next.inputs[0];
      if (other == tail || (other >= head && !(proposed_by[other] >= 0 && proposed_by[other] < head))) return;
      form.sum = true;
      p.sum_position = static_cast<int>(p.forms.size());
      p.sum_other = other;
    }
    p.followers.push_back(j);
    p.forms.push_back(form);
    if (proposed_by[j] < 0) proposed_by[j] = head;
    if (form.pool) return;  // a pooling ends the chain: what follows sees another shape
    tail = j;
  }
}

// Folds a ZeroPadding2D into the Conv2D / DepthwiseConv2D that alone reads it,
// where the padding that results stays within the (dilated) kernel: oneDNN's
// fast kernels take that much.
template <typename Conv>
bool fold_into(const ZeroPadding2D& zp, const Conv& conv, FusionProposal& zp_p, int conv_node,
               FusionProposal& conv_p) {
  const Sides2D& b = zp.options().padding;
  const std::array<int64_t, 4> border{b.top, b.left, b.bottom, b.right}, own = conv.pads();
  const auto& o = conv.options();
  for (size_t i = 0; i < 4; ++i) {
    const size_t axis = i % 2;
    if (border[i] + own[i] > (o.kernel_size[axis] - 1) * o.dilation_rate[axis]) return false;
  }
  zp_p.padding_into = conv_node;
  conv_p.folded_padding = border;
  return true;
}

void propose_padding_folds(const std::vector<PlanNode>& nodes, const std::vector<std::vector<int>>& readers,
                           const std::vector<bool>& is_output, std::vector<FusionProposal>& out) {
  for (size_t k = 0; k < nodes.size(); ++k) {
    const auto* zp = dynamic_cast<const ZeroPadding2D*>(nodes[k].layer);
    const int j = zp ? sole_reader(nodes, readers, is_output, static_cast<int>(k)) : -1;
    if (j < 0) continue;
    if (const auto* conv = dynamic_cast<const Conv2D*>(nodes[j].layer)) {
      fold_into(*zp, *conv, out[k], j, out[j]);
    } else if (const auto* dw = dynamic_cast<const DepthwiseConv2D*>(nodes[j].layer)) {
      fold_into(*zp, *dw, out[k], j, out[j]);
    }
  }
}

// A batch norm whose only reader, after its fused activation and a
// ZeroPadding2D folded into the convolution, is a DepthwiseConv2D without an
// activation of its own that normalized_depthwise_fits: proposed as that
// convolution's input normalisation. Neither layer may be shared (the fused
// plan would update the batch norm's parameters once per call of either).
void propose_input_norms(const std::vector<PlanNode>& nodes, const std::vector<std::vector<int>>& readers,
                         const std::vector<bool>& is_output, std::vector<FusionProposal>& out) {
  std::map<const Layer*, int> calls;
  for (const PlanNode& node : nodes) ++calls[node.layer];
  for (size_t k = 0; k < nodes.size(); ++k) {
    auto* norm = dynamic_cast<BatchNormalization*>(nodes[k].layer);
    if (!norm || calls[norm] != 1) continue;
    const int tail = out[k].activation_node >= 0 ? out[k].activation_node : static_cast<int>(k);
    int j = sole_reader(nodes, readers, is_output, tail);
    if (j >= 0 && out[j].padding_into >= 0) j = out[j].padding_into;
    const auto* conv = j >= 0 ? dynamic_cast<const DepthwiseConv2D*>(nodes[j].layer) : nullptr;
    if (!conv || calls[conv] != 1 || out[j].activation != ActivationFn::Linear) continue;
    if (!normalized_depthwise_fits(*norm, *conv)) continue;
    out[k].input_norm_into = j;
    out[j].input_norm = static_cast<int>(k);
    out[j].input_norm_activation = out[k].activation;
  }
}

}  // namespace

std::vector<FusionProposal> propose_fusions(const std::vector<PlanNode>& nodes,
                                            const std::vector<std::vector<int>>& readers, const std::vector<int>& outputs,
                                            bool post_ops, bool fold_padding, bool input_norms) {
  const size_t n = nodes.size();
  std::vector<bool> is_output(n, false), claimed(n, false);
  for (int o : outputs) is_output[o] = true;
  std::vector<FusionProposal> out(n);
  std::vector<int> proposed_by(n, -1);
  for (size_t k = 0; k < n; ++k) {
    Layer* l = nodes[k].layer;
    if (!l || claimed[k]) continue;
    int tail = static_cast<int>(k);
    // A node proposed as an earlier node's post-op keeps its activation apart:
    // that node may take both.
    const int j = proposed_by[k] < 0 ? sole_reader(nodes, readers, is_output, tail) : -1;
    const std::optional<ActivationFn> fn = j >= 0 ? activation_of(nodes[j].layer) : std::nullopt;
    if (fn && ActivationOps::fusable(*fn) && l->accepts_fused_activation(*fn)) {
      out[k].activation = *fn;
      out[k].activation_node = j;
      claimed[j] = true;
      tail = j;
    }
    if (post_ops) collect_followers(nodes, readers, is_output, static_cast<int>(k), tail, out[k], proposed_by);
  }
  if (fold_padding) propose_padding_folds(nodes, readers, is_output, out);
  if (input_norms) propose_input_norms(nodes, readers, is_output, out);
  return out;
}

}  // namespace petal::detail
