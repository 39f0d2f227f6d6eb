// Graph plan: gradient placement (fan-out sums, shared layers) and the
// forward/backward sweeps.
#include <algorithm>
#include <chrono>
#include <map>

#include "model/graph_plan_node.h"
#include "model/memory_planner.h"
#include "petal/core/error.h"

namespace petal::detail {

namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// One write of a tensor's gradient: by the loss (node -1) or by input `slot` of `node`.
struct GradWrite {
  int node, slot;
};

// Per root: the node whose output gradient's buffer its gradient takes (-1: none).
// That node writes it first, has this single input in the same layout, and its
// plan's backward may run in place (LayerPlan::backward_in_place); model outputs
// keep their own buffers (the loss writes them, callers may read them).
template <typename Nodes>
std::vector<int> in_place_gradients(const Nodes& nodes, const std::vector<std::vector<GradWrite>>& writes) {
  std::vector<int> over(nodes.size(), -1);
  for (size_t r = 0; r < nodes.size(); ++r) {
    if (nodes[r].root != static_cast<int>(r) || !nodes[r].needs_grad || writes[r].empty()) continue;
    const int k = writes[r][0].node;
    if (k < 0 || writes[static_cast<size_t>(k)].empty()) continue;
    const auto& reader = nodes[static_cast<size_t>(k)];
    if (reader.inputs.size() == 1 && reader.root == k && reader.needs_grad && reader.output_index < 0 && reader.plan &&
        reader.plan->backward_in_place() && reader.md == nodes[r].md) {
      over[r] = k;
    }
  }
  return over;
}

}  // namespace

// Backward runs nodes in reverse order: node k at time n - k (the loss at 0).
// The first write of a tensor's gradient overwrites it; every later write (a
// tensor read by several nodes, or twice by one) goes to a private buffer that
// is added in right after that node's backward.
void GraphPlan::place_gradients(const std::vector<PlanNode>& nodes, const dnnl::engine& engine, bool in_place) {
  const int n = static_cast<int>(nodes_.size());
  std::vector<std::vector<GradWrite>> writes(nodes_.size());
  for (int k = n; k-- > 0;) {
    const Node& node = nodes_[k];
    if (!node.plan || !node.needs_grad) continue;
    for (int s = 0; s < static_cast<int>(node.inputs.size()); ++s) {
      const int r = nodes_[node.inputs[s]].root;
      if (nodes_[r].needs_grad) writes[r].push_back({k, s});
    }
  }
  for (int r = 0; r < n; ++r) {
    if (nodes_[r].root == r && nodes_[r].needs_grad && nodes_[r].output_index >= 0) {
      writes[r].insert(writes[r].begin(), GradWrite{-1, 0});
    }
  }
  const std::vector<int> over = in_place ? in_place_gradients(nodes_, writes) : std::vector<int>(nodes_.size(), -1);
  std::vector<Lifetime> lives;
  std::vector<std::pair<int, int>> what;  // (root, -1) a tensor's gradient; (root, w) its write w's buffer
  std::vector<size_t> life_of(nodes_.size());
  for (int r = 0; r < n; ++r) {
    Node& root = nodes_[r];
    if (root.root != r || !root.needs_grad || writes[r].empty()) continue;  // nothing reads it towards a loss
    const int first = writes[r][0].node < 0 ? 0 : n - writes[r][0].node;
    // Until its own backward, or a producer's that reads it later (a deferred gradient).
    const int last = root.plan ? n - std::min(r, root.diff_read_by < 0 ? r : root.diff_read_by) : n + 1;
    if (over[r] < 0) {
      life_of[r] = lives.size();
      lives.push_back({bytes_of(root.md), first, last});
      what.emplace_back(r, -1);
    }
    for (size_t w = 1; w < writes[r].size(); ++w) {
      lives.push_back({bytes_of(root.md), n - writes[r][w].node, n - writes[r][w].node});
      what.emplace_back(r, static_cast<int>(w));
    }
  }
  // A gradient written over its first writer's output gradient lives in that buffer until its own backward.
  const auto owner = [&](int r) {
    while (over[r] >= 0) r = over[r];
    return r;
  };
  for (int r = 0; r < n; ++r) {
    if (over[r] < 0) continue;
    Lifetime& life = lives[life_of[owner(r)]];
    const int reader = nodes_[r].diff_read_by < 0 ? r : std::min(r, nodes_[r].diff_read_by);
    life.last = std::max(life.last, nodes_[r].plan ? n - reader : n + 1);
  }
  const ArenaLayout layout = plan_arena(lives);
  gradients_ = Buffer(memory::desc({static_cast<int64_t>(std::max<size_t>(layout.bytes, 64) / 4)},
                                   memory::data_type::f32, Tag::x),
                      engine);
  auto* base = reinterpret_cast<std::byte*>(gradients_.data());
  // Each node's diff_srcs: the shared gradient or its private buffer.
  std::vector<std::vector<memory>> diff_srcs(nodes_.size());
  for (int k = 0; k < n; ++k) diff_srcs[k].resize(nodes_[k].inputs.size());
  for (size_t t = 0; t < what.size(); ++t) {
    const auto [r, w] = what[t];
    if (w >= 0) continue;
    nodes_[r].diff = memory(nodes_[r].md, engine, base + layout.offsets[t]);
    if (writes[r][0].node >= 0) diff_srcs[writes[r][0].node][writes[r][0].slot] = nodes_[r].diff;
  }
  for (int r = n; r-- > 0;) {  // an owner comes after what it holds
    if (over[r] < 0) continue;
    ++gradients_in_place_;
    nodes_[r].diff = memory(nodes_[r].md, engine, nodes_[over[r]].diff.get_data_handle());
    diff_srcs[over[r]][0] = nodes_[r].diff;
  }
  for (size_t t = 0; t < what.size(); ++t) {
    const auto [r, w] = what[t];
    if (w < 0) continue;
    const memory m(nodes_[r].md, engine, base + layout.offsets[t]);
    const GradWrite& gw = writes[r][w];
    diff_srcs[gw.node][gw.slot] = m;
    nodes_[gw.node].accumulate.push_back(make_accumulate(m, nodes_[r].diff));
  }
  for (int k = 0; k < n; ++k) {
    Node& node = nodes_[k];
    if (node.plan && node.needs_grad && node.diff) node.plan->bind_backward_inputs(node.diff, diff_srcs[k]);
  }
  // Output gradients arrive plain; reorder them into the producer's layout.
  for (size_t i = 0; i < outputs_.size(); ++i) {
    Node& root = nodes_[outputs_[i].root];
    const Shape shape = nodes[outputs_[i].root].layer ? nodes[outputs_[i].root].layer->output_shape()
                                                        : nodes[outputs_[i].root].shape;
    const memory::desc plain = plain_md(with_batch(batch_, shape));
    if (root.diff && root.md == plain) {
      outputs_[i].grad_ptr = static_cast<float*>(root.diff.get_data_handle());
      continue;
    }
    output_grads_.emplace_back(plain, engine);
    outputs_[i].grad_ptr = output_grads_.back().data();
    if (root.diff) grad_reorders_.push_back(make_reorder(output_grads_.back().mem(), root.diff));
  }
  // Shared layers: the first call backward reaches may overwrite the parameter
  // gradients, later calls add; a layer is final after its first call in the graph.
  std::map<Layer*, int> seen;
  for (int k = n; k-- > 0;) {
    Layer* l = nodes_[k].layer;
    if (!l) continue;
    if (seen.count(l)) nodes_[k].accumulate_params = true;
    seen[l] = k;
  }
  for (int k = 0; k < n; ++k) {
    if (nodes_[k].layer && seen[nodes_[k].layer] == k) nodes_[k].done_layer = nodes[k].layer_id;
  }
}

void GraphPlan::forward(const TensorRefs& inputs, StepContext& step) {
  if (inputs.size() != inputs_.size()) {
    throw Error("internal: the graph plan has " + std::to_string(inputs_.size()) + " inputs; received " +
                std::to_string(inputs.size()) + ".");
  }
  for (size_t i = 0; i < inputs_.size(); ++i) {
    nodes_[inputs_[i]].out.set_data_handle(const_cast<float*>(inputs[i].data()));
  }
  for (size_t k = 0; k < nodes_.size(); ++k) {
    if (!nodes_[k].plan) continue;
    const auto t0 = profiling_ ? Clock::now() : Clock::time_point{};
    nodes_[k].plan->forward(step);
    if (profiling_) timings_[k].forward_ms += elapsed_ms(t0);
  }
  for (Output& out : outputs_) {
    if (!nodes_[out.root].plan) out.ptr = static_cast<const float*>(nodes_[out.root].out.get_data_handle());
  }
  run_all(output_reorders_, step.stream);
  step.stream.wait();
}

void GraphPlan::backward(StepContext& step, std::span<const char> pre_activation,
                         const std::function<void(int)>& layer_done) {
  if (!backward_) throw Error("internal: backward on a forward-only plan");
  run_all(grad_reorders_, step.stream);
  const bool accumulate = step.accumulate_grads;
  for (size_t k = nodes_.size(); k-- > 0;) {
    Node& node = nodes_[k];
    if (node.plan && node.needs_grad && node.diff) {
      step.accumulate_grads = accumulate || node.accumulate_params;
      step.pre_activation_grad = node.output_index >= 0 && static_cast<size_t>(node.output_index) < pre_activation.size() &&
                                 pre_activation[node.output_index];
      const auto t0 = profiling_ ? Clock::now() : Clock::time_point{};
      node.plan->backward(step);
      run_all(node.accumulate, step.stream);
      if (profiling_) timings_[k].backward_ms += elapsed_ms(t0);
    }
    if (node.done_layer >= 0 && layer_done) {
      step.stream.wait();
      layer_done(node.done_layer);
    }
  }
  step.accumulate_grads = accumulate;
  step.pre_activation_grad = false;
  step.stream.wait();
}

}  // namespace petal::detail
