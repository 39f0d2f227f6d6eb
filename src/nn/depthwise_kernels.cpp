// The normalised 3x3 depthwise loops (depthwise_kernels.h): the entry points.
// An image's block is walked row by row (depthwise_loops.h,
// depthwise_backward_loops.h); each variant (block of two or one eight-float
// vectors, stride, clamp, direction) gets its own entry point per CPU level,
// compiled for x86-64-v4, x86-64-v3 and the baseline: with all of them inlined
// into one function per level, GCC allocated registers badly (the stride-1
// loops ran 3x slower).
#include "nn/depthwise_kernels.h"

#include <vector>

#include "nn/depthwise_backward_loops.h"

namespace petal::detail {

namespace {

using depthwise::Call;

enum class Run { Forward, Backward };

template <int H, int S, bool C, Run R>
[[gnu::always_inline]] inline void run(const Call& c) {
  if constexpr (R == Run::Forward) {
    depthwise::forward_v<H, S, C>(c);
  } else if constexpr (S == 1) {
    depthwise::backward_gather<H, C>(c);
  } else {
    depthwise::backward_scatter<H, S, C>(c);
  }
}

template <int H, int S, bool C, Run R>
[[gnu::target("arch=x86-64-v4")]] void run_avx512(const Call& c) {
  run<H, S, C, R>(c);
}
template <int H, int S, bool C, Run R>
[[gnu::target("arch=x86-64-v3")]] void run_avx2(const Call& c) {
  run<H, S, C, R>(c);
}
template <int H, int S, bool C, Run R>
void run_baseline(const Call& c) {
  run<H, S, C, R>(c);
}

using Entry = void (*)(const Call&);

template <int H, int S, bool C, Run R>
Entry entry(CpuLevel level) {
  return level == CpuLevel::Avx512 ? run_avx512<H, S, C, R> : level == CpuLevel::Avx2 ? run_avx2<H, S, C, R>
                                                                                       : run_baseline<H, S, C, R>;
}

template <int H, int S, Run R>
Entry entry(CpuLevel level, bool clamp) {
  return clamp ? entry<H, S, true, R>(level) : entry<H, S, false, R>(level);
}

template <Run R>
Entry entry(CpuLevel level, const Call& c) {
  const bool clamp = c.in->clamp, wide = c.s->block == 16;
  if (c.s->stride == 1) return wide ? entry<2, 1, R>(level, clamp) : entry<1, 1, R>(level, clamp);
  return wide ? entry<2, 2, R>(level, clamp) : entry<1, 2, R>(level, clamp);
}

// A thread's scratch rows, grown once to the widest rows it meets.
float* scratch(size_t floats) {
  static thread_local std::vector<float> rows;
  if (rows.size() < floats) rows.resize(floats);
  return rows.data();
}

// A ring row: the input's width with the padding, or the windows' span.
int64_t row_floats(const DepthwiseShape& s) {
  return std::max((s.out_w - 1) * s.stride + 3, s.pad_left + s.in_w) * s.block;
}

// Backward: the ring of input rows, and a ring of input-gradient rows and an
// output row (stride 2) or of zero-bordered dy rows and the row being
// finished (stride 1).
Call backward_call(const DepthwiseShape& s, const ChannelAffine& in, const float* w, const float* x) {
  const int64_t rf = row_floats(s);
  const int64_t floats = 3 * rf + std::max(3 * rf + s.out_w * s.block, 3 * (s.out_w + 4) * s.block + rf);
  return Call{&s, &in, w, x, nullptr, nullptr, nullptr, scratch(static_cast<size_t>(floats)), rf};
}

}  // namespace

DepthwiseKernels::DepthwiseKernels(CpuLevel level) : level_(level) {}

void DepthwiseKernels::forward(const DepthwiseShape& s, const ChannelAffine& in, const float* w, const float* x,
                               float* y, const ChannelSums* out_sums) const {
  const int64_t rf = row_floats(s);
  const Call c{&s, &in, w, x, y, out_sums, nullptr, scratch(static_cast<size_t>(3 * rf)), rf};
  entry<Run::Forward>(level_, c)(c);
}

void DepthwiseKernels::backward(const DepthwiseShape& s, const ChannelAffine& in, const float* w, const float* x,
                                const DepthwiseBackward& b) const {
  Call c = backward_call(s, in, w, x);
  c.b = &b;
  entry<Run::Backward>(level_, c)(c);
}

}  // namespace petal::detail
