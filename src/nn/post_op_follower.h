// A layer that follows a convolution or dense at inference and runs as a
// post-op of that primitive instead of as a primitive of its own.
#pragma once

#include "nn/eltwise_spec.h"

namespace petal {
struct Param;
}

namespace petal::detail {

// Batch normalization at inference: y = x * scale + shift per channel, with
// scale = gamma / sqrt(variance + epsilon) and shift = beta - mean * scale taken
// from the current weights at every forward. No gamma: scale 1; no beta: shift 0.
struct ChannelAffine {
  const Param* gamma = nullptr;
  const Param* beta = nullptr;
  const Param* mean = nullptr;
  const Param* variance = nullptr;
  float epsilon = 0.0f;
};

struct PostOpFollower {
  bool affine = false;  // a ChannelAffine (two binary post-ops)
  // A residual Add as a sum post-op: the primitive's output buffer already holds
  // the other operand, so its output layout must be sum_md.
  bool sum = false;
  dnnl::memory::desc sum_md;
  ChannelAffine channel_affine;
  EltwiseSpec eltwise;  // neither: an eltwise function
};

}  // namespace petal::detail
