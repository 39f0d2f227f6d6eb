// Graph plan: node plans in topological order, activation and gradient arenas,
// and the forward/backward sweeps.
#include "model/graph_plan.h"

#include <algorithm>

#include "model/graph_fusion.h"
#include "model/graph_plan_node.h"
#include "model/memory_planner.h"
#include "petal/core/error.h"

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
  plan_nodes(nodes, outputs, engine, options);
  place_activations(nodes, engine);
  plan_outputs(nodes, outputs, engine);
  if (backward_) place_gradients(nodes, engine);
  scratchpad_->finalize();
  timings_.resize(nodes_.size());
}

GraphPlan::~GraphPlan() = default;

// Each node's plan, with the fusions proposed (graph_fusion.h); followers a plan
// takes become identity nodes aliasing its output.
void GraphPlan::plan_nodes(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs,
                           const dnnl::engine& engine, const Options& options) {
  const size_t n = nodes_.size();
  const std::vector<FusionProposal> proposals = propose_fusions(nodes, outputs, options.post_ops && !backward_);
  std::vector<bool> fused_away(n, false);
  for (const FusionProposal& p : proposals) {
    if (p.activation_node >= 0) fused_away[p.activation_node] = true;
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
    std::unique_ptr<LayerPlan> plan = make_node_plan(k, fused_away[k], proposals[k], engine, options);
    const size_t taken = plan->fused_followers();
    if (taken > proposals[k].followers.size()) throw Error("internal: " + node.layer->where() + " took unproposed post-ops.");
    for (size_t f = 0; f < taken; ++f) fused_away[proposals[k].followers[f]] = true;
    if (plan->is_identity()) {
      if (node.inputs.size() != 1) throw Error("internal: " + node.layer->where() + " has an identity plan over several inputs.");
      node.root = nodes_[node.inputs[0]].root;
      node.md = nodes_[node.root].md;
      continue;
    }
    node.root = static_cast<int>(k);
    node.md = plan->dst_md();
    node.plan = std::move(plan);
  }
  for (size_t k = 0; k < n; ++k) {
    if (!nodes_[k].plan) continue;
    for (int i : nodes_[k].inputs) nodes_[nodes_[i].root].readers.push_back(static_cast<int>(k));
  }
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
  ctx.conv_algorithm = options.conv_algorithm;
  return node.layer->make_plan(ctx);
}

// Activations: kept for backward while training; otherwise placed by lifetime.
void GraphPlan::place_activations(const std::vector<PlanNode>&, const dnnl::engine& engine) {
  const int n = static_cast<int>(nodes_.size());
  std::vector<Lifetime> lives;
  std::vector<int> owner;
  for (int k = 0; k < n; ++k) {
    Node& node = nodes_[k];
    if (!node.plan) continue;
    int last = k;
    for (int r : node.readers) last = std::max(last, r);
    if (backward_ || node.is_output) last = n;
    for (int j = k + 1; j < n; ++j) {
      if (nodes_[j].root == k && nodes_[j].is_output) last = n;  // an identity node aliasing it is returned
    }
    lives.push_back({bytes_of(node.md), k, last});
    owner.push_back(k);
  }
  const ArenaLayout layout = plan_arena(lives);
  activations_ = Buffer(flat_md(layout.bytes), engine);
  auto* base = reinterpret_cast<std::byte*>(activations_.data());
  for (size_t t = 0; t < owner.size(); ++t) {
    Node& node = nodes_[owner[t]];
    node.out = memory(node.md, engine, base + layout.offsets[t]);
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

size_t GraphPlan::arena_bytes() const {
  return static_cast<size_t>(activations_.floats() + gradients_.floats()) * sizeof(float);
}

}  // namespace petal::detail
