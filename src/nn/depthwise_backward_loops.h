// Backward's loops for depthwise_kernels.h: the kernel's gradient, and the
// input rows' gradient (through the convolution, masked by the clamp) made row
// by row and finished at once: summed for the batch norm and written. (Not
// written but recomputed by a second pass that writes the batch norm's input
// gradient: the recomputation cost more than the traffic saved, MobileNetV2's
// step 92 -> 99 ms.) Stride 1 gathers an input row from the three dy rows that reach it; stride 2
// adds each output row into a ring of three input rows, finished as soon as
// no later output row reaches them. Included by depthwise_kernels.cpp only.
#pragma once

#include "nn/depthwise_loops.h"

namespace petal::detail::depthwise {

// Input row ih's gradient through the convolution is complete in `a` (from the
// row's first pixel): masked where the clamp cut the normalised value (act:
// that row of the ring from its first pixel; null: no window read the row, its
// gradient is 0), then summed or turned into the batch norm's input gradient.
template <int H, bool Clamped>
[[gnu::always_inline]] inline void finish_row(const Call& c, int64_t ih, const float* act, const float* a,
                                              Sum8 (&db)[H], Sum8 (&dg)[H]) {
  constexpr int B = 8 * H;
  const int64_t width = c.s->in_w;
  const DepthwiseBackward& b = *c.b;
  float* g = b.g ? b.g + ih * width * B : nullptr;
  if (!act) {
    if (g) std::fill(g, g + width * B, 0.0f);
    return;
  }
  const float* x = c.x + ih * width * B;
  const Lanes<H> mean(b.mean), inv(b.inv);
  const F8 lo = splat(c.in->lo), hi = splat(c.in->hi);
  for (int64_t i0 = 0; i0 < width; i0 += kChunk) {
    F8 fb[H] = {}, fg[H] = {};
    for (int64_t iw = i0; iw < std::min(i0 + kChunk, width); ++iw) {
      PETAL_UNROLL
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
    PETAL_UNROLL
    for (int h = 0; h < H; ++h) db[h].add(fb[h]), dg[h].add(fg[h]);
  }
}

// Output row oh's gradient into `row`: dy's row, or the batch norm's input
// gradient after the convolution (OutputNorm).
template <int H>
[[gnu::always_inline]] inline void dy_row_into(const Call& c, int64_t oh, float* row) {
  constexpr int B = 8 * H;
  const int64_t at = oh * c.s->out_w * B;
  const OutputNorm* on = c.b->out_norm;
  if (!on) {
    std::copy_n(c.b->dy + at, c.s->out_w * B, row);
    return;
  }
  const auto make = [&](const auto& grad) __attribute__((always_inline)) {
    for (int64_t ow = 0; ow < c.s->out_w; ++ow) {
      PETAL_UNROLL
      for (int h = 0; h < H; ++h) {
        const int64_t o = ow * B + 8 * h;
        store(row + o, grad.at(load(on->out_x + at + o), load(on->out_dy + at + o), h));
      }
    }
  };
  if (on->terms.mask) {
    make(InputGradient<H, true>(on->terms));
  } else {
    make(InputGradient<H, false>(on->terms));
  }
}

// The kernel's gradient from an output row d: dw[k] += d[ow] * input[kh][ow * S + kw].
template <int H, int S>
[[gnu::always_inline]] inline void kernel_gradient_row(const Call& c, const float* d, const float* const (&r)[3],
                                                       WV<H> (&dw)[9]) {
  constexpr int B = 8 * H;
  for (int64_t ow = 0; ow < c.s->out_w; ++ow) {
    const WV<H> dv = wload<H>(d + ow * B);
    PETAL_UNROLL
    for (int kh = 0; kh < 3; ++kh) {
      PETAL_UNROLL
      for (int kw = 0; kw < 3; ++kw) dw[3 * kh + kw] += dv * wload<H>(r[kh] + (ow * S + kw) * B);
    }
  }
}

// The kernel's gradient and the sums, added into backward's outputs.
template <int H>
[[gnu::always_inline]] inline void store_sums(const Call& c, const WV<H> (&dw)[9], Sum8 (&db)[H], Sum8 (&dg)[H]) {
  constexpr int B = 8 * H;
  const DepthwiseBackward& out = *c.b;
  PETAL_UNROLL
  for (int i = 0; i < 9; ++i) wstore<H>(out.dw + i * B, wload<H>(out.dw + i * B) + dw[i]);
  PETAL_UNROLL
  for (int h = 0; h < H; ++h) db[h].add_to(out.db + 8 * h), dg[h].add_to(out.dg + 8 * h);
}

// Stride 1: input row ih's gradient gathered, once the three dy rows that
// reach it are known (after output row ih + pad_top), into one scratch row.
template <int H, bool Clamped>
[[gnu::always_inline]] inline void backward_gather(const Call& c) {
  constexpr int B = 8 * H;
  const DepthwiseShape& s = *c.s;
  const int64_t dy_floats = (s.out_w + 4) * B;
  float* dy_rows = c.rows + 3 * c.row_floats;  // a ring of zero-bordered dy rows
  float* a = dy_rows + 3 * dy_floats;          // the row being finished
  WV<H> w[9], flipped[9], dw[9] = {};
  load_kernel<H>(c.w, w);
  // An input pixel's gradient sums w[kh][kw] * dy[.][iw + pad_left - kw]: the
  // forward's window over dy with each kernel row reversed.
  PETAL_UNROLL
  for (int k = 0; k < 9; ++k) flipped[k] = w[k - k % 3 + 2 - k % 3];
  Sum8 db[H], dg[H];
  int64_t held[3] = {kNoRow, kNoRow, kNoRow}, dy_held[3] = {kNoRow, kNoRow, kNoRow};
  const auto dy_row = [&](int64_t oh) __attribute__((always_inline)) {
    const int64_t slot = slot_of(oh);
    float* row = dy_rows + slot * dy_floats;
    if (dy_held[slot] != oh) {
      dy_held[slot] = oh;
      if (oh < 0 || oh >= s.out_h) {
        std::fill(row, row + dy_floats, 0.0f);
      } else {
        std::fill(row, row + 2 * B, 0.0f);
        dy_row_into<H>(c, oh, row + 2 * B);
        std::fill(row + (s.out_w + 2) * B, row + dy_floats, 0.0f);
      }
    }
    return static_cast<const float*>(row);
  };
  const auto input_row = [&](int64_t ih) __attribute__((always_inline)) {
    const int64_t top = ih + s.pad_top;
    const float* const d[3] = {dy_row(top) + s.pad_left * B, dy_row(top - 1) + s.pad_left * B,
                               dy_row(top - 2) + s.pad_left * B};
    int64_t iw = 0;
    for (; iw + 4 <= s.in_w; iw += 4) conv_pixels<H, 1, 4>(d, flipped, iw, a);
    for (; iw < s.in_w; ++iw) conv_pixels<H, 1, 1>(d, flipped, iw, a);
    const int64_t slot = slot_of(ih);
    const float* act = held[slot] == ih ? c.rows + slot * c.row_floats + s.pad_left * B : nullptr;
    finish_row<H, Clamped>(c, ih, act, a, db, dg);
  };
  for (int64_t oh = 0; oh < s.out_h; ++oh) {
    const float* r[3];
    rows_for<H, 1, Clamped>(c, oh, held, r);
    kernel_gradient_row<H, 1>(c, dy_row(oh) + 2 * B, r, dw);
    if (const int64_t ih = oh - s.pad_top; ih >= 0 && ih < s.in_h) input_row(ih);
  }
  for (int64_t ih = std::max<int64_t>(s.out_h - s.pad_top, 0); ih < s.in_h; ++ih) input_row(ih);
  store_sums<H>(c, dw, db, dg);
}

// Stride 2: each output row adds into the input rows it reaches, in a ring of
// three rows; a row is finished once no later output row reaches it.
template <int H, int S, bool Clamped>
[[gnu::always_inline]] inline void backward_scatter(const Call& c) {
  constexpr int B = 8 * H;
  const DepthwiseShape& s = *c.s;
  float* grads = c.rows + 3 * c.row_floats;  // the input gradient's ring
  float* dy_row = grads + 3 * c.row_floats;  // an output row's gradient, when made (OutputNorm)
  std::fill(grads, grads + 3 * c.row_floats, 0.0f);
  WV<H> w[9], dw[9] = {};
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
    const float* d = dy_row;
    if (c.b->out_norm) {
      dy_row_into<H>(c, oh, dy_row);
    } else {
      d = c.b->dy + oh * s.out_w * B;
    }
    kernel_gradient_row<H, S>(c, d, r, dw);
    float* a[3];
    PETAL_UNROLL
    for (int kh = 0; kh < 3; ++kh) a[kh] = grads + slot_of(oh * S - s.pad_top + kh) * c.row_floats;
    for (int64_t ow = 0; ow < s.out_w; ++ow) {
      const WV<H> dv = wload<H>(d + ow * B);
      PETAL_UNROLL
      for (int kh = 0; kh < 3; ++kh) {
        PETAL_UNROLL
        for (int kw = 0; kw < 3; ++kw) {
          float* p = a[kh] + (ow * S + kw) * B;
          wstore<H>(p, wload<H>(p) + w[3 * kh + kw] * dv);
        }
      }
    }
    const int64_t done = std::min((oh + 1) * S - s.pad_top, s.in_h);  // no later output row reaches above
    for (; next < done; ++next) finish(next);
  }
  for (; next < s.in_h; ++next) finish(next);
  store_sums<H>(c, dw, db, dg);
}

}  // namespace petal::detail::depthwise
