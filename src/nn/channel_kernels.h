// The loops of batch norm's training pass over one run of rows (channel_walk.h):
// per-channel sums in double, the normalisation with its activation, and the
// input gradient. Compiled for AVX-512 and AVX2 (with FMA) besides the baseline
// (runtime/cpu_level.h picks one; tests run every level the CPU has): oneDNN has
// no batch-norm kernel that sums in double or fuses ReLU6, and these loops run
// at memory speed only when vectorised.
#pragma once

#include <cstdint>

#include "nn/channel_walk.h"
#include "runtime/cpu_level.h"

namespace petal::detail {

// Values summed in float before the sum goes to double (a conversion per value
// would cost more than the memory traffic; channel_kernels.cpp says why 16).
inline constexpr int64_t kSumChunk = 16;

// y = clamp(x * scale + shift, lo, hi) per channel when `clamp`, else x * scale + shift.
// As a mask (backward of the clamp): where lo < x * scale + shift < hi.
struct ChannelAffine {
  const float* scale = nullptr;
  const float* shift = nullptr;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

// With g = dy (masked by `mask` when given, evaluated on x):
// db[i] += g, dg[i] += g * (x - mean) * inv.
struct GradSumArgs {
  const float* mean;
  const float* inv;
  const ChannelAffine* mask;
};

// dx = k * g + c + slope * (x - mean), g as for GradSumArgs.
struct InputGradArgs {
  const float* k;
  const float* c;
  const float* slope;
  const float* mean;
  const ChannelAffine* mask;
};

// One loop call, as the entry point of a level takes it.
struct KernelCall {
  enum class Op { SumSquares, SumGradients, Affine, InputGradient } op;
  RowRun run;
  int width;
  const float* x = nullptr;
  const float* dy = nullptr;
  float* out = nullptr;
  double* sum_a = nullptr;
  double* sum_b = nullptr;
  const ChannelAffine* affine = nullptr;
  const GradSumArgs* grad_sums = nullptr;
  const InputGradArgs* input_grad = nullptr;
};

// The loops compiled for one CPU level (which the CPU must have). Per-channel
// arrays start at the run's first channel; `width` channels per row.
class ChannelKernels {
 public:
  explicit ChannelKernels(CpuLevel level);
  CpuLevel level() const { return level_; }

  // sum[i] += x, sq[i] += x * x.
  void sum_squares(const float* data, const RowRun& run, int width, double* sum, double* sq) const;
  void sum_gradients(const float* x, const float* dy, const RowRun& run, int width, const GradSumArgs& a,
                     double* db, double* dg) const;
  // y = affine(x) (ChannelAffine); y does not overlap x.
  void affine_rows(const float* x, float* y, const RowRun& run, int width, const ChannelAffine& a) const;
  void input_gradient_rows(const float* x, const float* dy, float* dx, const RowRun& run, int width,
                           const InputGradArgs& a) const;

 private:
  CpuLevel level_;
  void (*run_)(const KernelCall&);
};

}  // namespace petal::detail
