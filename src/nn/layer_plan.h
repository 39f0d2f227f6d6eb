// The internal execution contract of a layer for one batch size and phase:
// oneDNN primitives created once, bound to fixed buffers, run every step.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "nn/post_op_follower.h"
#include "petal/layers/activations.h"
#include "runtime/dnnl_utils.h"

namespace petal {
class BatchNormalization;
}

namespace petal::detail {

struct InputGradArgs;  // nn/channel_kernels.h

enum class Phase { Train, Infer };

// Per-channel sums of a plan's output, made by its forward while training
// (LayerPlan::output_statistics): valid after that forward until the next.
struct OutputStatistics {
  const double* sum = nullptr;
  const double* sum_sq = nullptr;
};

// A batch norm's input gradient left to the plan that produced its input
// (which makes it as it reads its output gradient): the batch norm's
// per-channel terms (channel_kernels.h) applied to its input x and output
// gradient dy. Filled by the batch norm's backward.
struct DeferredGradient {
  const float* x = nullptr;
  const float* dy = nullptr;
  const InputGradArgs* terms = nullptr;
};

struct PlanContext {
  dnnl::engine engine;
  memory::desc src_md;  // layout the previous layer produces (or the plain input)
  // Every input's layout (src_mds[0] == src_md); layers with several inputs read these.
  std::vector<memory::desc> src_mds = {};
  int64_t batch = 0;
  Phase phase = Phase::Train;
  bool need_diff_src = true;  // false for the first layer: no backward-data needed
  // Per input (several inputs): whether its gradient is needed; need_diff_src is their "or".
  std::vector<bool> need_diff_srcs = {};
  ScratchpadPool* scratchpad = nullptr;
  // Whether backward will be bound. Training always; inference only for gradient
  // checks (batch norm then differentiates through its moving statistics).
  bool backward = true;
  // An activation the network plan fused into this layer (a following
  // Activation layer, run as a post-op); Linear when none.
  ActivationFn fused_activation = ActivationFn::Linear;
  // Layers after this one (after fused_activation) the graph plan proposes to
  // run as post-ops (inference only); the plan takes a prefix (fused_followers()).
  std::vector<PostOpFollower> post_ops = {};
  // A ZeroPadding2D border (top, left, bottom, right) the graph plan
  // folded into this convolution: the input arrives without it and the
  // convolution pads that much more instead (Conv2D, DepthwiseConv2D).
  std::array<int64_t, 4> folded_padding = {0, 0, 0, 0};
  // Training: a batch norm the graph plan made this DepthwiseConv2D's input
  // normalisation (its node an identity: src_md is the batch norm's input), with
  // the activation fused into it (normalized_depthwise_plan.h).
  BatchNormalization* input_norm = nullptr;
  ActivationFn input_norm_activation = ActivationFn::Linear;
  // The sums of this plan's input its producer makes (null: none): a training
  // batch norm takes its statistics from them instead of a pass of its own.
  const OutputStatistics* input_statistics = nullptr;
  // convolution_direct; convolution_auto (oneDNN may pick Winograd; where it
  // has none, petal's Winograd runs what it fits); or convolution_winograd:
  // petal's Winograd wherever it fits (nn/winograd_plan.h), oneDNN's choice elsewhere.
  dnnl::algorithm conv_algorithm = dnnl::algorithm::convolution_direct;
  // Inference: the layout convolutions ask for their input and output activations
  // in, where the channels fill its blocks (any: each primitive's choice). The
  // graph plan picks Winograd's blocked layout where Winograd convolutions run.
  memory::format_tag conv_activation_tag = memory::format_tag::any;

  dnnl::prop_kind forward_prop() const {
    return backward ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  }
};

struct StepContext {
  dnnl::stream stream;
  uint64_t step = 0;               // training iteration (seeds dropout masks)
  bool accumulate_grads = true;    // false: backward may overwrite parameter grads
  bool pre_activation_grad = false;  // diff_dst holds d loss / d (input of the output activation)
};

// Layer contract (dlib style): backward() writes diff_src and adds into (or, when
// !accumulate_grads, overwrites) the parameter gradients. Activations and
// gradients live in buffers owned by the graph plan and are bound once. When a
// tensor feeds several layers, the graph plan hands every consumer after the
// first a private diff_src and adds it into the tensor's gradient, so a plan
// always writes its diff_src and fan-out needs nothing from the layer.
class LayerPlan {
 public:
  virtual ~LayerPlan() = default;
  const memory::desc& dst_md() const { return dst_md_; }
  // src has the context's src_md, dst has dst_md().
  virtual void bind(const memory& src, const memory& dst) = 0;
  // diff_dst has dst_md(); diff_src has the context's src_md (empty when not needed).
  virtual void bind_backward(const memory& diff_dst, const memory& diff_src) = 0;
  // Several inputs: srcs[i] has src_mds[i]; diff_srcs[i] is empty when not needed.
  // Single-input plans keep these defaults.
  virtual void bind_inputs(const std::vector<memory>& srcs, const memory& dst) { bind(srcs.at(0), dst); }
  virtual void bind_backward_inputs(const memory& diff_dst, const std::vector<memory>& diff_srcs) {
    bind_backward(diff_dst, diff_srcs.at(0));
  }
  virtual void forward(StepContext& step) = 0;
  virtual void backward(StepContext& step) = 0;
  // An identity plan (dropout at inference, linear activation): the network plan
  // passes activations and gradients through without binding or running it.
  virtual bool is_identity() const { return false; }
  // The output activation a fused loss gradient may skip (softmax, sigmoid).
  virtual bool ends_in_softmax() const { return false; }
  virtual bool ends_in_sigmoid() const { return false; }
  // How many of the context's proposed post_ops this plan runs (a prefix).
  virtual size_t fused_followers() const { return 0; }
  // Whether backward may be bound with diff_src in diff_dst's buffer (same
  // descriptor): it reads each element of diff_dst before it writes that element
  // of diff_src and reads no other one after. The graph plan then saves a buffer
  // and the cache misses of writing a fresh one.
  virtual bool backward_in_place() const { return false; }
  // The per-channel sums of the output this plan makes in its forward, for
  // the batch norm reading it (PlanContext::input_statistics); null: none.
  virtual const OutputStatistics* output_statistics() const { return nullptr; }
  // Deferred input gradients (the graph plan pairs a plan whose input only it
  // reads with that input's producer): the reader agrees to leave its input
  // gradient unwritten and describe it (null: it cannot); the producer, which
  // takes_deferred_gradient(), makes it from that description in its backward
  // (after the reader's) instead of reading its output gradient.
  virtual const DeferredGradient* defer_input_gradient() { return nullptr; }
  virtual bool takes_deferred_gradient() const { return false; }
  virtual void take_deferred_gradient(const DeferredGradient*) {}

 protected:
  memory::desc dst_md_;
};

// A layer that does nothing in this plan (dropout at inference, a linear or
// fused activation): the network plan passes memory straight through.
class IdentityPlan final : public LayerPlan {
 public:
  explicit IdentityPlan(const memory::desc& md) { dst_md_ = md; }
  bool is_identity() const override { return true; }
  void bind(const memory&, const memory&) override {}
  void bind_backward(const memory&, const memory&) override {}
  void forward(StepContext&) override {}
  void backward(StepContext&) override {}
};

// Adds the scratchpad argument of a primitive when it needs one.
template <typename PD>
void add_scratchpad(std::vector<std::pair<int, memory>>& args, const PD& pd, ScratchpadPool* pool) {
  const memory::desc md = pd.scratchpad_desc();
  if (md.get_size() > 0) args.push_back({DNNL_ARG_SCRATCHPAD, pool->get(md)});
}

}  // namespace petal::detail
