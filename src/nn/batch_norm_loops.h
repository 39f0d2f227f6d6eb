// Batch norm's training pass in petal's own loops (channel_kernels.h), on the
// layout the previous layer produced: statistics and the backward reductions
// accumulated in double, and an optional ReLU or ReLU6 fused into the
// normalisation (its backward mask recomputed from the input).
//
// Why not oneDNN's batch norm: it sums in float32 (relative error ~3e-5 over
// 32x64x64 values per channel, which batch norm after ReLU amplifies in earlier
// layers' gradients, and the backward sums cancel almost exactly: batch norm's
// input gradient has zero mean per channel, so their rounding error reappears in
// the previous layer's bias gradient); PyTorch's CPU batch norm accumulates in
// double, and so does petal. oneDNN 2.6 also fuses no ReLU6, and its ReLU fusion
// keeps a workspace where recomputing the mask costs nothing.
#pragma once

#include <vector>

#include "nn/channel_kernels.h"

namespace petal::detail {

struct BatchNormBackwardArgs {
  const float* x;
  const float* dy;   // d loss / d output (after the fused activation, if any)
  const float* mean;
  const float* variance;
  float epsilon;
  const float* gamma;  // null: scale = false (1)
  float* dx;           // null: not needed
  float* dgamma;       // null: not needed; else receives (or, accumulate, adds) sum(g * xhat)
  float* dbeta;        // likewise sum(g)
  bool accumulate;
};

class BatchNormLoops {
 public:
  // Layouts with at most one inner block, on the channels (ChannelWalk::supported).
  static bool supported(const memory::desc& md) { return ChannelWalk::supported(md); }
  // What the loops will run on: md's layout; the fused activation clamps to
  // [0, upper] when `clamp` (ReLU: upper = infinity; ReLU6: 6); the CPU level
  // of the loops (tests pick each).
  BatchNormLoops(const memory::desc& md, bool clamp, float upper, CpuLevel level = cpu_level());

  // Mean and biased variance per channel of x.
  void statistics(const float* x, float* mean, float* variance);
  // The same from sums of x and x^2 per channel made elsewhere.
  void statistics_from(const double* sum, const double* sum_sq, float* mean, float* variance) const;
  // y = act(gamma * (x - mean) / sqrt(var + eps) + beta); gamma, beta may be null (1, 0).
  // Keeps the per-channel affine for backward's activation mask.
  void normalize(const float* x, float* y, const float* mean, const float* variance, float epsilon,
                 const float* gamma, const float* beta);
  // With g = dy masked by the activation's derivative (as of the last normalize):
  //   dbeta = sum(g), dgamma = sum(g * xhat), xhat = (x - mean) / sqrt(var + eps),
  //   dx = gamma / sqrt(var + eps) * (g - dbeta / M - xhat * dgamma / M).
  void backward(const BatchNormBackwardArgs& args);
  // After backward(): its input gradient's terms (dx = k * mask(dy) + c + slope
  // * (x - mean), mask the activation's) for the batch's mean.
  InputGradArgs input_gradient_terms(const float* mean) const {
    return {k_.data(), c_.data(), slope_.data(), mean, affine_.clamp ? &affine_ : nullptr};
  }
  // The same with the two sums taken elsewhere (db = sum(g), dg = sum(g * xhat),
  // per channel) and args.dy already masked (a normalised depthwise
  // convolution's backward, normalized_depthwise_plan.h): gamma's and beta's
  // gradients, and dx written over dy where they share a buffer.
  void backward_with_sums(const BatchNormBackwardArgs& args, const double* db, const double* dg);

  // The affine normalize() applies (clamped as the fused activation does), for
  // the given statistics; normalize() sets it too.
  const ChannelAffine& set_affine(const float* mean, const float* variance, float epsilon, const float* gamma,
                                  const float* beta);
  // 1 / sqrt(variance + epsilon) per channel.
  const std::vector<float>& inverse_std(const float* variance, float epsilon);

 private:
  // Sums of f(run, width, a, b) per channel, over the whole batch, into a and b.
  template <typename F>
  void batch_sums(F f, double* a, double* b);
  // dgamma, dbeta and dx from the sums; dy masked here unless `dy_masked`.
  void apply_sums(const BatchNormBackwardArgs& args, const double* db, const double* dg, bool dy_masked);

  ChannelWalk walk_;
  ChannelKernels kernels_;
  ChannelAffine affine_;
  std::vector<double> partials_, sum_a_, sum_b_;
  std::vector<float> scale_, shift_, inv_, k_, c_, slope_;
};

// Keras's moving averages after a training batch of `count` values per channel:
// moving = momentum * moving + (1 - momentum) * batch, the batch variance made
// unbiased (count / (count - 1)).
void update_moving_statistics(float* moving_mean, float* moving_variance, const float* mean, const float* variance,
                              int64_t channels, double momentum, int64_t count);

}  // namespace petal::detail
