// Graph plan: node plans in topological order, activation and gradient arenas,
// and the forward/backward sweeps.
#include "model/graph_plan.h"

#include <algorithm>

#include "model/graph_fusion.h"
#include "model/graph_plan_node.h"
#include "model/inference_layout.h"
#include "model/memory_planner.h"
#include "nn/normalized_depthwise_plan.h"
#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"

namespace petal::detail {

namespace {

bool has_trainable(Layer* layer) {
  for (Param* p : layer->params()) {
    if (p->trainable) return true;
  }
  return false;
}

memory::desc flat_md(size_t bytes) {
  return memory::desc({static_cast<int64_t>(std::max<size_t>(bytes, 64) / sizeof(float))}, memory::data_type::f32,
                      Tag::x);
}

}  // namespace

GraphPlan::GraphPlan(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs, int64_t batch, Phase phase,
                     const dnnl::engine& engine, bool input_grad, dnnl::algorithm conv_algorithm)
    : GraphPlan(nodes, outputs, batch, phase, engine,
                Options{.input_grad = input_grad, .conv_algorithm = conv_algorithm}) {}

GraphPlan::GraphPlan(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs, int64_t batch, Phase phase,
                     const dnnl::engine& engine, const Options& options)
    : batch_(batch), phase_(phase), scratchpad_(std::make_unique<ScratchpadPool>(engine)) {
  backward_ = phase == Phase::Train || options.input_grad;
  nodes_.resize(nodes.size());
  for (size_t k = 0; k < nodes.size(); ++k) {
    nodes_[k].layer = nodes[k].layer;
    nodes_[k].inputs = nodes[k].inputs;
    if (!nodes[k].layer) inputs_.push_back(static_cast<int>(k));
  }
  for (int o : outputs) nodes_[o].is_output = true;
  if (!backward_) conv_tag_ = inference_conv_layout(nodes, options.conv_algorithm, engine);
  plan_nodes(nodes, outputs, engine, options);
  place_activations(nodes, engine);
  plan_outputs(nodes, outputs, engine);
  if (backward_) place_gradients(nodes, engine, options.in_place_gradients);
  scratchpad_->finalize();
  timings_.resize(nodes_.size());
}

GraphPlan::~GraphPlan() = default;

// Each node's plan, with the fusions proposed (graph_fusion.h); followers a plan
// takes become identity nodes aliasing its output.
void GraphPlan::plan_nodes(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs,
                           const dnnl::engine& engine, const Options& options) {
  const size_t n = nodes_.size();
  std::vector<std::vector<int>> readers(n);  // graph readers, identity nodes included
  for (size_t k = 0; k < n; ++k) {
    for (int i : nodes[k].inputs) readers[i].push_back(static_cast<int>(k));
  }
  const bool training_fusions = options.post_ops && phase_ == Phase::Train;  // normalized_depthwise_plan.h
  const std::vector<FusionProposal> proposals =
      propose_fusions(nodes, readers, outputs, options.post_ops && !backward_, options.post_ops, training_fusions);
  std::vector<int> fused_into(n, -1);  // the node whose primitive runs a fused node
  std::vector<int> norm_of(n, -1);     // a depthwise convolution's input normalisation taken
  for (size_t k = 0; k < n; ++k) {
    if (proposals[k].activation_node >= 0) fused_into[proposals[k].activation_node] = static_cast<int>(k);
  }
  for (size_t k = 0; k < n; ++k) {
    Node& node = nodes_[k];
    if (!node.layer) {
      node.needs_grad = options.input_grad;
      node.root = static_cast<int>(k);
      node.md = plain_md(with_batch(batch_, nodes[k].shape));
      node.out = memory(node.md, engine, DNNL_MEMORY_NONE);
      continue;
    }
    FusionProposal proposal = proposals[k];
    const int sum_into = sum_target(static_cast<int>(k), proposal, readers, fused_into);
    bool away = fused_into[k] >= 0 || proposal.padding_into >= 0;  // the latter: an identity
    // A batch norm taken by the depthwise convolution after it is an identity too.
    if (proposal.input_norm_into >= 0 && normalized_depthwise_layout(nodes_[node.inputs.at(0)].md)) {
      away = true;
      norm_of[proposal.input_norm_into] = static_cast<int>(k);
    }
    if (norm_of[k] < 0) proposal.input_norm = -1;
    std::unique_ptr<LayerPlan> plan = make_node_plan(k, away, proposal, engine, options);
    const size_t taken = plan->fused_followers();
    if (taken > proposal.followers.size()) throw Error("internal: " + node.layer->where() + " took unproposed post-ops.");
    for (size_t f = 0; f < taken; ++f) fused_into[proposal.followers[f]] = static_cast<int>(k);
    if (sum_into >= 0 && static_cast<int>(taken) > proposal.sum_position) node.in_place_of = sum_into;
    if (fused_into[k] >= 0) {
      node.root = nodes_[fused_into[k]].root;
      node.md = nodes_[node.root].md;
      continue;
    }
    if (plan->is_identity()) {
      if (node.inputs.size() != 1) throw Error("internal: " + node.layer->where() + " has an identity plan over several inputs.");
      node.root = nodes_[node.inputs[0]].root;
      node.md = nodes_[node.root].md;
      continue;
    }
    node.root = static_cast<int>(k);
    node.md = plan->dst_md();
    node.plan = std::move(plan);
    if (training_fusions) defer_gradient(static_cast<int>(k), readers);
  }
  for (size_t k = 0; k < n; ++k) {
    if (!nodes_[k].plan) continue;
    for (int i : nodes_[k].inputs) nodes_[nodes_[i].root].readers.push_back(static_cast<int>(k));
  }
}

// Node k's plan leaves its input's gradient to the input's producer
// (LayerPlan::defer_input_gradient) where k alone reads that input, a planned
// node's own output that is no model output, and the producer can make it.
void GraphPlan::defer_gradient(int k, const std::vector<std::vector<int>>& readers) {
  Node& node = nodes_[k];
  if (node.inputs.size() != 1) return;
  const int i = node.inputs[0];
  Node& in = nodes_[i];
  if (in.root != i || !in.plan || in.is_output || readers[i].size() != 1 || !in.plan->takes_deferred_gradient()) return;
  if (const DeferredGradient* d = node.plan->defer_input_gradient()) {
    in.plan->take_deferred_gradient(d);
    node.diff_read_by = i;  // the producer reads this node's output gradient (place_gradients)
  }
}

// A residual sum lets node k write its output over the other operand's buffer
// (its root r, through the node it is fused into if it comes after k): only if
// r is a planned node and every reader of r and of its aliases, but the Add,
// runs before k, and none is a model output. Returns r and asks for r's layout;
// otherwise drops the sum and what follows it.
int GraphPlan::sum_target(int k, FusionProposal& proposal, const std::vector<std::vector<int>>& readers,
                          const std::vector<int>& fused_into) const {
  if (proposal.sum_position < 0) return -1;
  const auto pos = static_cast<size_t>(proposal.sum_position);
  const int add = proposal.followers[pos];
  // The node whose memory holds node m's output, as far as known when k is planned.
  const auto root_of = [&](int m) {
    if (m < k) return nodes_[m].root;
    return fused_into[m] >= 0 && fused_into[m] < k ? nodes_[fused_into[m]].root : -1;
  };
  const int r = root_of(proposal.sum_other);
  bool safe = r >= 0 && nodes_[r].plan != nullptr;
  for (int m = 0; m < static_cast<int>(nodes_.size()) && safe; ++m) {
    if (root_of(m) != r) continue;
    safe = !nodes_[m].is_output;
    for (int c : readers[m]) safe = safe && (c == add || c < k || root_of(c) == r);  // or an alias itself
  }
  if (!safe) {
    proposal.followers.resize(pos);
    proposal.forms.resize(pos);
    proposal.sum_position = -1;
    return -1;
  }
  proposal.forms[pos].sum_md = nodes_[r].md;
  return r;
}

std::unique_ptr<LayerPlan> GraphPlan::make_node_plan(size_t k, bool fused_away, const FusionProposal& proposal,
                                                     const dnnl::engine& engine, const Options& options) {
  Node& node = nodes_[k];
  node.needs_grad = has_trainable(node.layer);
  PlanContext ctx;
  ctx.engine = engine;
  ctx.batch = batch_;
  ctx.phase = phase_;
  ctx.scratchpad = scratchpad_.get();
  ctx.backward = backward_;
  ctx.need_diff_src = false;
  for (int i : node.inputs) {
    ctx.src_mds.push_back(nodes_[i].md);
    ctx.need_diff_srcs.push_back(nodes_[i].needs_grad);
    ctx.need_diff_src = ctx.need_diff_src || nodes_[i].needs_grad;
  }
  node.needs_grad = node.needs_grad || ctx.need_diff_src;
  ctx.src_md = ctx.src_mds.at(0);
  if (fused_away) return std::make_unique<IdentityPlan>(ctx.src_md);
  ctx.fused_activation = proposal.activation;
  ctx.post_ops = proposal.forms;
  ctx.folded_padding = proposal.folded_padding;
  if (node.inputs.size() == 1) {  // the input is exactly its producer's output
    const Node& in = nodes_[static_cast<size_t>(node.inputs[0])];
    if (in.root >= 0 && nodes_[in.root].plan && nodes_[in.root].md == in.md) {
      ctx.input_statistics = nodes_[in.root].plan->output_statistics();
    }
  }
  if (proposal.input_norm >= 0) {
    ctx.input_norm = dynamic_cast<BatchNormalization*>(nodes_[static_cast<size_t>(proposal.input_norm)].layer);
    ctx.input_norm_activation = proposal.input_norm_activation;
  }
  ctx.conv_algorithm = options.conv_algorithm;
  ctx.conv_activation_tag = conv_tag_;
  return node.layer->make_plan(ctx);
}

// Activations: kept for backward while training; otherwise placed by lifetime.
// A node that writes over another's buffer (a fused residual sum) shares its
// slot, which then lives until the last reader of either.
void GraphPlan::place_activations(const std::vector<PlanNode>&, const dnnl::engine& engine) {
  const int n = static_cast<int>(nodes_.size());
  std::vector<int> last(nodes_.size(), -1), slot(nodes_.size(), -1);
  for (int k = 0; k < n; ++k) {
    Node& node = nodes_[k];
    if (!node.plan) continue;
    last[k] = k;
    for (int r : node.readers) last[k] = std::max(last[k], r);
    if (backward_ || node.is_output) last[k] = n;
    for (int j = k + 1; j < n; ++j) {
      if (nodes_[j].root == k && nodes_[j].is_output) last[k] = n;  // an identity node aliasing it is returned
    }
    slot[k] = node.in_place_of >= 0 ? slot[node.in_place_of] : k;
    last[slot[k]] = std::max(last[slot[k]], last[k]);
  }
  std::vector<Lifetime> lives;
  std::vector<int> owner;
  for (int k = 0; k < n; ++k) {
    if (slot[k] != k) continue;
    lives.push_back({bytes_of(nodes_[k].md), k, last[k]});
    owner.push_back(k);
  }
  const ArenaLayout layout = plan_arena(lives);
  activations_ = Buffer(flat_md(layout.bytes), engine);
  auto* base = reinterpret_cast<std::byte*>(activations_.data());
  for (size_t t = 0; t < owner.size(); ++t) {
    Node& node = nodes_[owner[t]];
    node.out = memory(node.md, engine, base + layout.offsets[t]);
  }
  for (int k = 0; k < n; ++k) {
    if (slot[k] >= 0 && slot[k] != k) nodes_[k].out = memory(nodes_[k].md, engine, nodes_[slot[k]].out.get_data_handle());
  }
  for (Node& node : nodes_) {
    if (node.root >= 0 && !node.plan && node.layer) node.out = nodes_[node.root].out;
  }
  for (Node& node : nodes_) {
    if (!node.plan) continue;
    std::vector<memory> srcs;
    for (int i : node.inputs) srcs.push_back(nodes_[i].out);
    node.plan->bind_inputs(srcs, node.out);
  }
}

void GraphPlan::plan_outputs(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs,
                             const dnnl::engine& engine) {
  std::vector<memory::desc> plain;
  size_t plain_bytes = 0;
  for (int o : outputs) {
    const Shape shape = nodes[o].layer ? nodes[o].layer->output_shape() : nodes[o].shape;
    plain.push_back(plain_md(with_batch(batch_, shape)));
    plain_bytes += (bytes_of(plain.back()) + 63) / 64 * 64;
  }
  plain_outputs_ = Buffer(flat_md(plain_bytes), engine);
  auto* base = reinterpret_cast<std::byte*>(plain_outputs_.data());
  size_t offset = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    Output out;
    out.root = nodes_[outputs[i]].root;
    Node& root = nodes_[out.root];
    root.output_index = static_cast<int>(i);
    if (root.plan && root.readers.empty()) {
      out.softmax = root.plan->ends_in_softmax();
      out.sigmoid = root.plan->ends_in_sigmoid();
    }
    if (root.plan && root.md != plain[i]) {
      const memory target(plain[i], engine, base + offset);
      output_reorders_.push_back(make_reorder(root.out, target));
      out.ptr = static_cast<const float*>(target.get_data_handle());
      offset += (bytes_of(plain[i]) + 63) / 64 * 64;
    } else if (root.plan) {
      out.ptr = static_cast<const float*>(root.out.get_data_handle());
    }
    outputs_.push_back(out);
  }
}

const float* GraphPlan::input_grad(size_t i) const {
  const Node& node = nodes_.at(static_cast<size_t>(inputs_.at(i)));
  if (!node.diff) throw Error("internal: input_grad on a plan built without input gradients.");
  return static_cast<const float*>(node.diff.get_data_handle());
}

size_t GraphPlan::planned_nodes() const {
  return static_cast<size_t>(std::count_if(nodes_.begin(), nodes_.end(), [](const Node& n) { return n.plan != nullptr; }));
}

const memory::desc& GraphPlan::node_md(size_t k) const { return nodes_.at(k).md; }

size_t GraphPlan::arena_bytes() const {
  return static_cast<size_t>(activations_.floats() + gradients_.floats()) * sizeof(float);
}

}  // namespace petal::detail
