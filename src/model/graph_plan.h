// The execution plan of a layer graph for one batch size and phase: every
// node's plan in topological order, activations and gradients placed in two
// arenas by lifetime, one shared scratchpad, all created once and reused every
// step. A chain of layers is the graph where every node feeds the next.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "nn/layer_plan.h"
#include "petal/core/tensor_refs.h"
#include "petal/layers/layer.h"

namespace petal::detail {

// One call of a layer in a model: a node produces one tensor, its own index.
struct PlanNode {
  Layer* layer = nullptr;    // null: a model input
  std::vector<int> inputs;   // producer nodes, all earlier in the list
  Shape shape;               // per-sample shape of a model input (inputs only)
  int layer_id = -1;         // the layer's index in the model (timings, layer_done)
};

struct FusionProposal;

class GraphPlan {
 public:
  struct Options {
    // Backward also computes d loss / d input (input_grad()), in either phase (an
    // inference plan then supports backward, for gradient checks).
    bool input_grad = false;
    dnnl::algorithm conv_algorithm = dnnl::algorithm::convolution_direct;
    // Inference plans without backward run batch norms and activations that follow
    // a convolution or dense as its post-ops, every plan folds a ZeroPadding2D
    // into the convolution reading it, and training plans run a batch norm before
    // a 3x3 depthwise convolution inside it (normalized_depthwise_plan.h, with the
    // statistics and deferred gradient of the batch norm after it); false runs
    // those layers on their own (tests compare the two).
    bool post_ops = true;
    // A plan whose backward may run in place (LayerPlan::backward_in_place) writes
    // its input's gradient over its output's; false gives every gradient its own
    // buffer (tests compare the two).
    bool in_place_gradients = true;
  };
  // Nodes in topological order; model inputs are the nodes without a layer, in
  // order; `outputs` lists the nodes whose tensors the model returns. With
  // input_grad, backward also computes d loss / d input (input_grad()), in
  // either phase (an inference plan then supports backward, for gradient checks).
  GraphPlan(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs, int64_t batch, Phase phase,
            const dnnl::engine& engine, bool input_grad = false,
            dnnl::algorithm conv_algorithm = dnnl::algorithm::convolution_direct);
  GraphPlan(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs, int64_t batch, Phase phase,
            const dnnl::engine& engine, const Options& options);
  ~GraphPlan();

  int64_t batch() const { return batch_; }
  Phase phase() const { return phase_; }
  size_t num_outputs() const { return outputs_.size(); }

  // Runs the graph on the model inputs (each [batch, ...input shape]); output(i)
  // is then the plain (row-major, Keras-ordered) output i, valid until the next call.
  void forward(const TensorRefs& inputs, StepContext& step);
  const float* output(size_t i) const { return outputs_[i].ptr; }
  // The plain buffer the loss writes output i's gradient into (d loss / d output,
  // or, with pre_activation[i], d loss / d input of its final softmax/sigmoid).
  float* output_grad(size_t i) { return outputs_[i].grad_ptr; }
  // Backward through every node from the output gradients. layer_done(id) runs
  // once layer `id`'s parameter gradients are final, and then those of every
  // layer with a larger id are too (ids ordered by first use).
  void backward(StepContext& step, std::span<const char> pre_activation,
                const std::function<void(int)>& layer_done = {});
  // d loss / d input i in plain layout (only when built with input_grad).
  const float* input_grad(size_t i) const;

  // Whether output i's loss gradient may be taken w.r.t. the logits of its final
  // softmax / sigmoid (its producer ends in one and nothing else reads it).
  bool ends_in_softmax(size_t i) const { return outputs_[i].softmax; }
  bool ends_in_sigmoid(size_t i) const { return outputs_[i].sigmoid; }

  // Per-node wall time while profiling is on (fused or identity nodes show 0).
  void set_profiling(bool on) { profiling_ = on; }
  struct Timing {
    double forward_ms = 0, backward_ms = 0;
  };
  const std::vector<Timing>& timings() const { return timings_; }
  void reset_timings() { timings_.assign(timings_.size(), Timing{}); }
  size_t arena_bytes() const;
  // Nodes that run a plan of their own (not model inputs, identity or fused ones).
  size_t planned_nodes() const;
  // The layout node k's output is held in.
  const memory::desc& node_md(size_t k) const;
  // Gradients written over their reader's output gradient (Options::in_place_gradients).
  size_t gradients_in_place() const { return gradients_in_place_; }

 private:
  struct Node;
  struct Output {
    int root = -1;
    const float* ptr = nullptr;
    float* grad_ptr = nullptr;
    bool softmax = false, sigmoid = false;
  };
  void plan_nodes(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs, const dnnl::engine& engine,
                  const Options& options);
  void defer_gradient(int k, const std::vector<std::vector<int>>& readers);
  int sum_target(int k, FusionProposal& proposal, const std::vector<std::vector<int>>& readers,
                 const std::vector<int>& fused_into) const;
  std::unique_ptr<LayerPlan> make_node_plan(size_t k, bool fused_away, const FusionProposal& proposal,
                                            const dnnl::engine& engine, const Options& options);
  void place_activations(const std::vector<PlanNode>& nodes, const dnnl::engine& engine);
  void plan_outputs(const std::vector<PlanNode>& nodes, const std::vector<int>& outputs, const dnnl::engine& engine);
  void place_gradients(const std::vector<PlanNode>& nodes, const dnnl::engine& engine, bool in_place);

  int64_t batch_;
  Phase phase_;
  bool backward_ = false;
  memory::format_tag conv_tag_ = memory::format_tag::any;  // PlanContext::conv_activation_tag
  std::vector<Node> nodes_;
  std::vector<int> inputs_;  // node ids of the model inputs
  std::vector<Output> outputs_;
  Buffer activations_, gradients_, plain_outputs_;
  std::vector<Buffer> output_grads_;  // plain output gradients the loss writes
  std::vector<Op> output_reorders_, grad_reorders_;
  std::unique_ptr<ScratchpadPool> scratchpad_;
  bool profiling_ = false;
  std::vector<Timing> timings_;
  size_t gradients_in_place_ = 0;
};

}  // namespace petal::detail
