// The normalised 3x3 depthwise loops (depthwise_kernels.h). An image's block is
// walked row by row: the input rows a kernel row needs are normalised once
// into a ring of three zero-bordered rows (the padding), and backward adds the
// input gradient into a ring of three rows that are finished (masked, summed,
// written) as soon as no later output row reaches them, so that x, dy and g
// are each read or written once. One body (templates on the block: two or one
// eight-float vectors; the stride; the clamp) forced inline into entry points
// compiled for x86-64-v4, x86-64-v3 and the baseline.
#include "nn/depthwise_kernels.h"

#include <algorithm>
#include <vector>

#include "nn/vec8.h"
#include "nn/vec8_no_psabi.h"

namespace petal::detail {

namespace {

using namespace vec8;

constexpr int64_t kNoRow = -1000000;
// Pixels whose gradient sums are added in float before they go to double (as
// the batch norm's loops do, channel_kernels.cpp: more loses precision).
constexpr int64_t kChunk = 16;

struct Call {
  const DepthwiseShape* s;
  const NormalizedInput* in;
  const float* w;
  const float* x;
  float* y;                     // forward's output
  const DepthwiseBackward* b;   // backward's (null: forward)
  float* rows;                  // scratch: 3 rows (forward) or 6 (backward)
  int64_t row_floats;           // a scratch row: padded width x block
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
  const Lanes<H> scale(c.in->scale), shift(c.in->shift);
  const F8 lo{}, hi = splat(c.in->upper);
  const float* src = c.x + ih * s.in_w * B;
  float* dst = row + s.pad_left * B;
  for (int64_t iw = 0; iw < s.in_w; ++iw) {
    for (int h = 0; h < H; ++h) {
      F8 v = load(src + iw * B + 8 * h) * scale.v[h] + shift.v[h];
      if constexpr (Clamped) v = select(v < lo, lo, select(v > hi, hi, v));  // NaN stays NaN
      store(dst + iw * B + 8 * h, v);
    }
  }
}

// The three scratch rows output row oh reads (kernel rows 0..2), loading those not held.
template <int H, int S, bool Clamped>
[[gnu::always_inline]] inline void rows_for(const Call& c, int64_t oh, int64_t (&held)[3], const float* (&r)[3]) {
  for (int kh = 0; kh < 3; ++kh) {
    const int64_t ih = oh * S - c.s->pad_top + kh, slot = slot_of(ih);
    float* row = c.rows + slot * c.row_floats;
    if (held[slot] != ih) load_row<H, Clamped>(c, ih, row), held[slot] = ih;
    r[kh] = row;
  }
}

// U output pixels from ow: sum over the 3x3 window of w * input.
template <int H, int S, int U>
[[gnu::always_inline]] inline void conv_pixels(const float* const (&r)[3], const F8 (&w)[9][H], int64_t ow, float* out) {
  constexpr int B = 8 * H;
  F8 acc[U][H] = {};
  for (int kh = 0; kh < 3; ++kh) {
    for (int kw = 0; kw < 3; ++kw) {
      for (int u = 0; u < U; ++u) {
        for (int h = 0; h < H; ++h) acc[u][h] += w[3 * kh + kw][h] * load(r[kh] + ((ow + u) * S + kw) * B + 8 * h);
      }
    }
  }
  for (int u = 0; u < U; ++u) {
    for (int h = 0; h < H; ++h) store(out + (ow + u) * B + 8 * h, acc[u][h]);
  }
}

template <int H>
[[gnu::always_inline]] inline void load_kernel(const float* w, F8 (&k)[9][H]) {
  for (int i = 0; i < 9; ++i) {
    for (int h = 0; h < H; ++h) k[i][h] = load(w + i * 8 * H + 8 * h);
  }
}

template <int H, int S, bool Clamped>
[[gnu::always_inline]] inline void forward_v(const Call& c) {
  constexpr int B = 8 * H;
  const DepthwiseShape& s = *c.s;
  F8 w[9][H];
  load_kernel<H>(c.w, w);
  int64_t held[3] = {kNoRow, kNoRow, kNoRow};
  for (int64_t oh = 0; oh < s.out_h; ++oh) {
    const float* r[3];
    rows_for<H, S, Clamped>(c, oh, held, r);
    float* out = c.y + oh * s.out_w * B;
    int64_t ow = 0;
    for (; ow + 4 <= s.out_w; ow += 4) conv_pixels<H, S, 4>(r, w, ow, out);
    for (; ow < s.out_w; ++ow) conv_pixels<H, S, 1>(r, w, ow, out);
  }
}

// Input row ih's gradient is complete in `a` (its scratch row from the first
// pixel): masked where the clamp cut the normalised value (act: that row of
// the ring from the first pixel; null: the row was never read, its gradient is 0), summed, written.
template <int H, bool Clamped>
[[gnu::always_inline]] inline void finish_row(const Call& c, int64_t ih, const float* act, const float* a, Sum8 (&db)[H],
                                              Sum8 (&dg)[H]) {
  constexpr int B = 8 * H;
  const DepthwiseShape& s = *c.s;
  const DepthwiseBackward& b = *c.b;
  float* g = b.g ? b.g + ih * s.in_w * B : nullptr;
  if (!act) {
    if (g) std::fill(g, g + s.in_w * B, 0.0f);
    return;
  }
  const float* x = c.x + ih * s.in_w * B;
  const Lanes<H> mean(b.mean), inv(b.inv);
  const F8 lo{}, hi = splat(c.in->upper);
  for (int64_t i0 = 0; i0 < s.in_w; i0 += kChunk) {
    F8 fb[H] = {}, fg[H] = {};
    for (int64_t iw = i0; iw < std::min(i0 + kChunk, s.in_w); ++iw) {
      for (int h = 0; h < H; ++h) {
        const int64_t o = iw * B + 8 * h;
        F8 v = load(a + o);
        if constexpr (Clamped) {
          const F8 r = load(act + o);
          v = select((r > lo) & (r < hi), v, F8{});
        }
        fb[h] += v;
        fg[h] += v * (load(x + o) - mean.v[h]) * inv.v[h];
        if (g) store(g + o, v);
      }
    }
    for (int h = 0; h < H; ++h) db[h].add(fb[h]), dg[h].add(fg[h]);
  }
}

template <int H, int S, bool Clamped>
[[gnu::always_inline]] inline void backward_v(const Call& c) {
  constexpr int B = 8 * H;
  const DepthwiseShape& s = *c.s;
  const DepthwiseBackward& b = *c.b;
  float* grads = c.rows + 3 * c.row_floats;  // the input gradient's ring
  std::fill(grads, grads + 3 * c.row_floats, 0.0f);
  F8 w[9][H], dw[9][H] = {};
  load_kernel<H>(c.w, w);
  Sum8 db[H], dg[H];
  int64_t held[3] = {kNoRow, kNoRow, kNoRow};
  int64_t next = -s.pad_top;  // the first input row not finished
  const auto finish = [&](int64_t ih) __attribute__((always_inline)) {
    const int64_t slot = slot_of(ih);
    float* a = grads + slot * c.row_floats;
    if (ih >= 0 && ih < s.in_h) {
      const float* act = held[slot] == ih ? c.rows + slot * c.row_floats + s.pad_left * B : nullptr;
      finish_row<H, Clamped>(c, ih, act, a + s.pad_left * B, db, dg);
    }
    std::fill(a, a + c.row_floats, 0.0f);
  };
  for (int64_t oh = 0; oh < s.out_h; ++oh) {
    const float* r[3];
    rows_for<H, S, Clamped>(c, oh, held, r);
    float* a[3];
    for (int kh = 0; kh < 3; ++kh) a[kh] = grads + slot_of(oh * S - s.pad_top + kh) * c.row_floats;
    const float* d = b.dy + oh * s.out_w * B;
    for (int64_t ow = 0; ow < s.out_w; ++ow) {  // the kernel's gradient
      for (int h = 0; h < H; ++h) {
        const F8 dv = load(d + ow * B + 8 * h);
        for (int kh = 0; kh < 3; ++kh) {
          for (int kw = 0; kw < 3; ++kw) dw[3 * kh + kw][h] += dv * load(r[kh] + (ow * S + kw) * B + 8 * h);
        }
      }
    }
    for (int64_t ow = 0; ow < s.out_w; ++ow) {  // the input's, into the ring
      for (int h = 0; h < H; ++h) {
        const F8 dv = load(d + ow * B + 8 * h);
        for (int kh = 0; kh < 3; ++kh) {
          for (int kw = 0; kw < 3; ++kw) {
            float* p = a[kh] + (ow * S + kw) * B + 8 * h;
            store(p, load(p) + w[3 * kh + kw][h] * dv);
          }
        }
      }
    }
    const int64_t done = std::min((oh + 1) * S - s.pad_top, s.in_h);  // no later output row reaches above
    for (; next < done; ++next) finish(next);
  }
  for (; next < s.in_h; ++next) finish(next);
  for (int i = 0; i < 9; ++i) {
    for (int h = 0; h < H; ++h) store(b.dw + i * B + 8 * h, load(b.dw + i * B + 8 * h) + dw[i][h]);
  }
  for (int h = 0; h < H; ++h) db[h].add_to(b.db + 8 * h), dg[h].add_to(b.dg + 8 * h);
}

template <int H, int S, bool Clamped>
[[gnu::always_inline]] inline void run_t(const Call& c) {
  if (c.b) {
    backward_v<H, S, Clamped>(c);
  } else {
    forward_v<H, S, Clamped>(c);
  }
}

template <int H>
[[gnu::always_inline]] inline void run_h(const Call& c) {
  const bool clamp = c.in->clamp;
  if (c.s->stride == 1) return clamp ? run_t<H, 1, true>(c) : run_t<H, 1, false>(c);
  return clamp ? run_t<H, 2, true>(c) : run_t<H, 2, false>(c);
}

[[gnu::always_inline]] inline void run_any(const Call& c) {
  if (c.s->block == 16) return run_h<2>(c);
  return run_h<1>(c);
}

[[gnu::target("arch=x86-64-v4")]] void run_avx512(const Call& c) { run_any(c); }
[[gnu::target("arch=x86-64-v3")]] void run_avx2(const Call& c) { run_any(c); }
void run_baseline(const Call& c) { run_any(c); }

// A thread's scratch rows, grown once to the widest rows it meets.
float* scratch(size_t floats) {
  static thread_local std::vector<float> rows;
  if (rows.size() < floats) rows.resize(floats);
  return rows.data();
}

int64_t row_floats(const DepthwiseShape& s) {
  return std::max((s.out_w - 1) * s.stride + 3, s.pad_left + s.in_w) * s.block;
}

}  // namespace

DepthwiseKernels::DepthwiseKernels(CpuLevel level) : level_(level) {}

void DepthwiseKernels::forward(const DepthwiseShape& s, const NormalizedInput& in, const float* w, const float* x,
                               float* y) const {
  const int64_t rf = row_floats(s);
  const Call c{&s, &in, w, x, y, nullptr, scratch(static_cast<size_t>(3 * rf)), rf};
  level_ == CpuLevel::Avx512 ? run_avx512(c) : level_ == CpuLevel::Avx2 ? run_avx2(c) : run_baseline(c);
}

void DepthwiseKernels::backward(const DepthwiseShape& s, const NormalizedInput& in, const float* w, const float* x,
                                const DepthwiseBackward& b) const {
  const int64_t rf = row_floats(s);
  const Call c{&s, &in, w, x, nullptr, &b, scratch(static_cast<size_t>(6 * rf)), rf};
  level_ == CpuLevel::Avx512 ? run_avx512(c) : level_ == CpuLevel::Avx2 ? run_avx2(c) : run_baseline(c);
}

}  // namespace petal::detail
