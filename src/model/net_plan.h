// The execution plan of a layer chain for one batch size and phase: every
// layer's plan, activation buffers (kept for backward), two ping-pong gradient
// buffers and one shared scratchpad, all created once and reused every step.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "nn/layer_plan.h"
#include "petal/core/tensor.h"
#include "petal/layers/layer.h"

namespace petal::detail {

class NetPlan {
 public:
  // With input_grad, backward also computes d loss / d input (input_grad()), in
  // either phase (an inference plan then supports backward, for gradient checks).
  NetPlan(const std::vector<Layer*>& layers, const Shape& input_shape, int64_t batch, Phase phase,
          const dnnl::engine& engine, bool input_grad = false,
          dnnl::algorithm conv_algorithm = dnnl::algorithm::convolution_direct);

  int64_t batch() const { return batch_; }
  Phase phase() const { return phase_; }

  // Runs the chain on x [batch, ...input_shape]; returns the plain (row-major,
  // Keras-ordered) output [batch, ...output_shape], valid until the next call.
  const float* forward(const Tensor& x, StepContext& step);
  // The plain buffer the loss writes its gradient into (d loss / d output, or,
  // with pre_activation_grad, d loss / d input of the final softmax/sigmoid).
  float* output_grad() { return out_grad_ptr_; }
  // Backward through every layer from output_grad(); layer_done(i), when given,
  // runs once layer i's parameter gradients are final (last layer first).
  void backward(StepContext& step, const std::function<void(size_t)>& layer_done = {});
  // d loss / d input in plain layout (only when built with input_grad).
  const float* input_grad() const { return input_grad_.data(); }

  // Per-layer wall time, accumulated over the steps run while profiling is on
  // (plans of layers fused into the previous one show 0).
  void set_profiling(bool on) { profiling_ = on; }
  struct Timing {
    double forward_ms = 0, backward_ms = 0;
  };
  const std::vector<Timing>& timings() const { return timings_; }
  void reset_timings() { timings_.assign(timings_.size(), Timing{}); }

  // Whether the last computing layer ends in softmax / sigmoid (fused losses).
  bool ends_in_softmax() const { return last_ && last_->ends_in_softmax(); }
  bool ends_in_sigmoid() const { return last_ && last_->ends_in_sigmoid(); }

 private:
  int64_t batch_;
  Phase phase_;
  bool backward_;
  std::vector<std::unique_ptr<LayerPlan>> plans_;
  LayerPlan* last_ = nullptr;  // last non-identity plan
  memory input_;
  std::vector<Buffer> activations_;
  Buffer out_plain_, out_grad_;
  float* out_grad_ptr_ = nullptr;
  Op out_reorder_, grad_reorder_;
  Buffer ping_, pong_, input_grad_;
  std::unique_ptr<ScratchpadPool> scratchpad_;
  bool profiling_ = false;
  std::vector<Timing> timings_;
};

}  // namespace petal::detail
