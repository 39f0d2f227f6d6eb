// Per-vector pieces of the batch norm's loops over a run's channels, shared
// by its row loops (channel_kernels.cpp) and the normalised depthwise loops
// (depthwise_loops.h), which apply them inline: the fused activation's clamp
// and mask, and the input gradient. Built for the including function's target.
#pragma once

#include "nn/channel_kernels.h"
#include "nn/vec8.h"
#include "nn/vec8_no_psabi.h"  // only vectorised loop files include this header

namespace petal::detail::vec8 {

// The fused activation's clamp and its mask, on a run's channels.
template <int H>
struct Clamp {
  Lanes<H> scale, shift;
  F8 lo, hi;
  [[gnu::always_inline]] explicit Clamp(const ChannelAffine& a)
      : scale(a.scale), shift(a.shift), lo(splat(a.lo)), hi(splat(a.hi)) {}
  [[gnu::always_inline]] F8 affine(F8 x, int h) const { return x * scale.v[h] + shift.v[h]; }
  // g where lo < affine(x) < hi, else 0.
  [[gnu::always_inline]] F8 mask(F8 x, F8 g, int h) const {
    const F8 v = affine(x, h);
    return select((v > lo) & (v < hi), g, F8{});
  }
  // clamp(v, lo, hi); NaN stays NaN.
  [[gnu::always_inline]] F8 clamp(F8 v) const { return select(v < lo, lo, select(v > hi, hi, v)); }
};

// The batch norm's input gradient, k * mask(dy) + c + slope * (x - mean)
// (InputGradArgs; the mask when Masked).
template <int H, bool Masked>
struct InputGradient {
  Lanes<H> k, c, slope, mean;
  Clamp<H> act;
  [[gnu::always_inline]] explicit InputGradient(const InputGradArgs& a)
      : k(a.k), c(a.c), slope(a.slope), mean(a.mean), act(Masked ? *a.mask : ChannelAffine{a.mean, a.mean}) {}
  [[gnu::always_inline]] F8 at(F8 x, F8 dy, int h) const {
    if constexpr (Masked) dy = act.mask(x, dy, h);
    return k.v[h] * dy + c.v[h] + slope.v[h] * (x - mean.v[h]);
  }
};

}  // namespace petal::detail::vec8
