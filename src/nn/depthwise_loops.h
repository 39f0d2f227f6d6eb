// The loops of depthwise_kernels.h shared by its passes, and forward: the
// vectors, the ring of normalised input rows, the 3x3 window. Included by
// depthwise_kernels.cpp only, whose entry points compile them per CPU level.
#pragma once

#include <algorithm>
#include <cstring>

#include "nn/channel_lanes.h"
#include "nn/depthwise_kernels.h"
#include "nn/vec8.h"
#include "nn/vec8_no_psabi.h"

namespace petal::detail::depthwise {

using namespace vec8;

constexpr int64_t kNoRow = -1000000;

// Loops over the taps, kernel rows and vectors run fully unrolled: their
// accumulators must stay in registers (GCC keeps arrays of them in memory
// otherwise).
#define PETAL_UNROLL _Pragma("GCC unroll 16")
constexpr int64_t kChunk = kSumChunk;  // pixels summed in float before double

// A whole channel block as one vector (16 floats: one AVX-512 register, two
// AVX2 ones) for the loops that only load, multiply, add and store: half the
// instructions of two eight-float vectors on AVX-512. The masks and clamps stay
// on eight-float vectors (vec8.h says why).
using F16 = float __attribute__((vector_size(64)));
template <int H>
struct Wide;
template <>
struct Wide<1> {
  using V = F8;
};
template <>
struct Wide<2> {
  using V = F16;
};
template <int H>
using WV = typename Wide<H>::V;
template <int H>
[[gnu::always_inline]] inline WV<H> wload(const float* p) {
  WV<H> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <int H>
[[gnu::always_inline]] inline void wstore(float* p, WV<H> v) {
  std::memcpy(p, &v, sizeof v);
}

// What a loop runs on: one image's channel block, and forward's or backward's arguments.
struct Call {
  const DepthwiseShape* s;
  const ChannelAffine* in;  // the normalisation (a block's arrays)
  const float* w;
  const float* x;
  float* y;                    // forward
  const ChannelSums* out_sums;  // forward: y's sums per channel (null: none)
  const DepthwiseBackward* b;  // backward
  float* rows;                 // scratch (depthwise_kernels.cpp sizes it)
  int64_t row_floats;          // a scratch row: padded width x block
};

[[gnu::always_inline]] inline int64_t slot_of(int64_t row) { return ((row % 3) + 3) % 3; }

// Input row ih, normalised, into a zero-bordered scratch row (all zeros outside the image).
template <int H, bool Clamped>
[[gnu::always_inline]] inline void load_row(const Call& c, int64_t ih, float* row) {
  constexpr int B = 8 * H;
  const DepthwiseShape& s = *c.s;
  if (ih < 0 || ih >= s.in_h) {
    std::fill(row, row + c.row_floats, 0.0f);
    return;
  }
  std::fill(row, row + s.pad_left * B, 0.0f);
  std::fill(row + (s.pad_left + s.in_w) * B, row + c.row_floats, 0.0f);
  const Clamp<H> act(*c.in);
  const float* src = c.x + ih * s.in_w * B;
  float* dst = row + s.pad_left * B;
  for (int64_t iw = 0; iw < s.in_w; ++iw) {
    PETAL_UNROLL
    for (int h = 0; h < H; ++h) {
      const F8 v = act.affine(load(src + iw * B + 8 * h), h);
      store(dst + iw * B + 8 * h, Clamped ? act.clamp(v) : v);
    }
  }
}

// The three scratch rows output row oh reads (kernel rows 0..2), loading those not held.
template <int H, int S, bool Clamped>
[[gnu::always_inline]] inline void rows_for(const Call& c, int64_t oh, int64_t (&held)[3], const float* (&r)[3]) {
  PETAL_UNROLL
  for (int kh = 0; kh < 3; ++kh) {
    const int64_t ih = oh * S - c.s->pad_top + kh, slot = slot_of(ih);
    float* row = c.rows + slot * c.row_floats;
    if (held[slot] != ih) load_row<H, Clamped>(c, ih, row), held[slot] = ih;
    r[kh] = row;
  }
}

// U output pixels from ow: sum over the 3x3 window of w * input.
template <int H, int S, int U>
[[gnu::always_inline]] inline void conv_pixels(const float* const (&r)[3], const WV<H> (&w)[9], int64_t ow, float* out) {
  constexpr int B = 8 * H;
  WV<H> acc[U] = {};
  PETAL_UNROLL
  for (int kh = 0; kh < 3; ++kh) {
    PETAL_UNROLL
    for (int kw = 0; kw < 3; ++kw) {
      PETAL_UNROLL
      for (int u = 0; u < U; ++u) acc[u] += w[3 * kh + kw] * wload<H>(r[kh] + ((ow + u) * S + kw) * B);
    }
  }
  PETAL_UNROLL
  for (int u = 0; u < U; ++u) wstore<H>(out + (ow + u) * B, acc[u]);
}

template <int H>
[[gnu::always_inline]] inline void load_kernel(const float* w, WV<H> (&k)[9]) {
  PETAL_UNROLL
  for (int i = 0; i < 9; ++i) k[i] = wload<H>(w + i * 8 * H);
}

template <int H, int S, bool Clamped>
[[gnu::always_inline]] inline void forward_v(const Call& c) {
  constexpr int B = 8 * H;
  const DepthwiseShape& s = *c.s;
  WV<H> w[9];
  load_kernel<H>(c.w, w);
  int64_t held[3] = {kNoRow, kNoRow, kNoRow};
  // The output's sums (when asked) of y - p, p its first pixel (no cancellation
  // when the mean is large against the spread, as in channel_kernels.cpp).
  Sum8 sum[H], sq[H];
  F8 pivot[H] = {};
  for (int64_t oh = 0; oh < s.out_h; ++oh) {
    const float* r[3];
    rows_for<H, S, Clamped>(c, oh, held, r);
    float* out = c.y + oh * s.out_w * B;
    int64_t ow = 0;
    for (; ow + 4 <= s.out_w; ow += 4) conv_pixels<H, S, 4>(r, w, ow, out);
    for (; ow < s.out_w; ++ow) conv_pixels<H, S, 1>(r, w, ow, out);
    if (!c.out_sums) continue;
    if (oh == 0) {
      PETAL_UNROLL
      for (int h = 0; h < H; ++h) pivot[h] = load(out + 8 * h);
    }
    for (int64_t i0 = 0; i0 < s.out_w; i0 += kChunk) {  // the row just written, from L1
      F8 fs[H] = {}, fq[H] = {};
      for (int64_t i = i0; i < std::min(i0 + kChunk, s.out_w); ++i) {
        PETAL_UNROLL
        for (int h = 0; h < H; ++h) {
          const F8 v = load(out + i * B + 8 * h) - pivot[h];
          fs[h] += v;
          fq[h] += v * v;
        }
      }
      PETAL_UNROLL
      for (int h = 0; h < H; ++h) sum[h].add(fs[h]), sq[h].add(fq[h]);
    }
  }
  if (c.out_sums) add_unpivoted<H>(pivot, sum, sq, static_cast<double>(s.out_h * s.out_w), c.out_sums->sum, c.out_sums->sq);
}

}  // namespace petal::detail::depthwise
