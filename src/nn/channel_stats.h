// Per-channel batch statistics accumulated in double. oneDNN's batch norm sums
// in float32 (relative error ~3e-5 over 32x64x64 values per channel, which
// batch norm after ReLU amplifies in earlier layers' gradients); PyTorch's CPU
// batch norm accumulates in double, and so does petal.
#pragma once

#include "runtime/dnnl_utils.h"

namespace petal::detail {

// Layouts with at most one inner block, on the channel dimension: nc, nwc,
// nchw, nhwc, nChw8c, nChw16c, ... (and strided views of them).
bool channel_stats_supported(const memory::desc& md);

// Mean and biased variance per channel of the tensor `data` laid out as `md`.
void channel_stats(const memory::desc& md, const float* data, float* mean, float* variance);

// Batch-norm training backward with its two reductions in double:
//   dbeta = sum(dy), dgamma = sum(dy * xhat), xhat = (x - mean) / sqrt(var + eps),
//   dx = gamma / sqrt(var + eps) * (dy - dbeta / M - xhat * dgamma / M).
// gamma may be null (scale = false, i.e. 1); dx may be null (not needed);
// dgamma/dbeta (may be null) receive the sums, added in when accumulate is set.
struct BatchNormBackwardArgs {
  const float* x;
  const float* dy;
  const float* mean;
  const float* variance;
  float epsilon;
  const float* gamma;
  float* dx;
  float* dgamma;
  float* dbeta;
  bool accumulate;
};
void batch_norm_backward(const memory::desc& md, const BatchNormBackwardArgs& args);

}  // namespace petal::detail
