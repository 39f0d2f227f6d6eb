// A 3x3 depthwise convolution whose input is a batch norm's input, normalised
// (and clamped by its fused ReLU or ReLU6) as the convolution reads it: one
// image's channel block at a time, in oneDNN's blocked layouts of 8 or 16
// channels. Forward, and a backward that computes the kernel gradient, the
// gradient with respect to the normalised value (masked by the clamp) and the
// batch norm's two sums in one pass over x, dy and g (normalized_depthwise_plan.h
// says why). Compiled for AVX-512, AVX2 and the baseline like channel_kernels.h.
#pragma once

#include <cstdint>

#include "nn/channel_kernels.h"
#include "runtime/cpu_level.h"

namespace petal::detail {

// An image's channel block: rows of `width` pixels of `block` floats.
struct DepthwiseShape {
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t stride = 1;              // both axes: 1 or 2
  int64_t pad_top = 0, pad_left = 0;  // the bottom and right padding follow
  int block = 16;                  // 8 or 16
};

// The convolution's input is a ChannelAffine of x (channel_kernels.h:
// clamp(x * scale + shift, lo, hi) when clamp), a block's arrays (zeros in a
// partial block's padding, so that it reads zeros there). A clamp's lo is 0
// (ReLU, ReLU6).

// The batch norm after the convolution, when it left its input gradient for
// the convolution to make as it reads it: the convolution's dy is that batch
// norm's input gradient (InputGradArgs, a block's arrays) from out_x and out_dy.
struct OutputNorm {
  const float* out_x;   // the convolution's output (the batch norm's input), one image's block
  const float* out_dy;  // d loss / d the batch norm's output, likewise
  InputGradArgs terms;
};

// Backward: the kernel's gradient dw [9][block] and the batch norm's sums
// db = sum(g), dg = sum(g * (x - mean) * inv) (in double), all added into;
// g = d loss / d (x * scale + shift) where the clamp passes it, else 0, is
// written unless null.
struct DepthwiseBackward {
  const float* dy;           // unused when out_norm
  const OutputNorm* out_norm;  // null: dy is the convolution's output gradient
  const float* mean;
  const float* inv;
  float* g;
  float* dw;
  double* db;
  double* dg;
};

// Per-channel sums of a block (`block` entries each), added into: sum of y and of y^2.
struct ChannelSums {
  double* sum;
  double* sq;
};

class DepthwiseKernels {
 public:
  explicit DepthwiseKernels(CpuLevel level);
  // y = conv(input(x), w); w [9][block] (kernel row, column), x and y one
  // image's block; y's sums added into out_sums unless null.
  void forward(const DepthwiseShape& s, const ChannelAffine& in, const float* w, const float* x, float* y,
               const ChannelSums* out_sums = nullptr) const;
  void backward(const DepthwiseShape& s, const ChannelAffine& in, const float* w, const float* x,
                const DepthwiseBackward& b) const;

 private:
  CpuLevel level_;
};

}  // namespace petal::detail
