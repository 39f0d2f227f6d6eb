// A layer that follows a convolution or dense at inference and runs as a
// post-op of that primitive instead of as a primitive of its own.
#pragma once

#include "nn/eltwise_spec.h"

namespace petal {
struct Param;
}

namespace petal::detail {

// Batch normalization at inference: y = x * scale + shift per channel
// (layers/batch_norm_affine.h), from the current weights at every forward.
struct BatchNormParams {
  const Param* gamma = nullptr;
  const Param* beta = nullptr;
  const Param* mean = nullptr;
  const Param* variance = nullptr;
  float epsilon = 0.0f;
};

struct PostOpFollower {
  bool affine = false;  // a batch norm (two binary post-ops)
  // A residual Add as a sum post-op: the primitive's output buffer already holds
  // the other operand, so its output layout must be sum_md.
  bool sum = false;
  dnnl::memory::desc sum_md;
  BatchNormParams batch_norm;
  // A MaxPooling2D of 2x2 windows and stride 2 whose output is half its input
  // (rounded down): it ends a proposal, and only petal's Winograd convolution
  // takes it (in its output transform); PostOpChain leaves it out.
  bool pool = false;
  EltwiseSpec eltwise;  // none of these: an eltwise function
};

}  // namespace petal::detail
