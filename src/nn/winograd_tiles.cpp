// Winograd F(4x4, 3x3) tile transforms (winograd_tiles.h). Each transform is a
// 1-D one applied down the columns of a tile, then along its rows; the bodies
// are forced inline into three entry points compiled for x86-64-v4, x86-64-v3
// and the baseline, as in channel_kernels.cpp.
#include "nn/winograd_tiles.h"

#include "nn/vec8.h"
#include "nn/vec8_no_psabi.h"

namespace petal::detail {

struct WinogradTiles::Call {
  enum class Op { Input, Output, Gradient, Kernel, KernelGrad } op;
  const float* in = nullptr;
  float* out = nullptr;
  const ActivationView* view = nullptr;
  const TileGrid* grid = nullptr;
  const TileChunk* chunk = nullptr;
  const TileOutput* how = nullptr;
  double* bias_grad = nullptr;
  TileRange r;  // tiles and channel vectors (Input, Output, Gradient); r.v0, r.v1: output channels (Kernel*)
  int64_t in_channels = 0, out_channels = 0;
  bool flip = false;
  const float* scale = nullptr;  // Kernel: per output channel
};

namespace {

using namespace vec8;
using Call = WinogradTiles::Call;

// B^T x (6 -> 6): the input transform.
[[gnu::always_inline]] inline void bt(const F8* x, F8* o) {
  o[0] = 4.0f * x[0] - 5.0f * x[2] + x[4];
  o[1] = x[3] + x[4] - 4.0f * (x[1] + x[2]);
  o[2] = x[4] - x[3] + 4.0f * (x[1] - x[2]);
  o[3] = 2.0f * (x[3] - x[1]) + (x[4] - x[2]);
  o[4] = 2.0f * (x[1] - x[3]) + (x[4] - x[2]);
  o[5] = 4.0f * x[1] - 5.0f * x[3] + x[5];
}

// A^T x (6 -> 4): the output transform.
[[gnu::always_inline]] inline void at(const F8* x, F8* o) {
  const F8 a = x[1] + x[2], b = x[1] - x[2], c = x[3] + x[4], d = x[3] - x[4];
  o[0] = x[0] + a + c;
  o[1] = b + 2.0f * d;
  o[2] = a + 4.0f * c;
  o[3] = b + 8.0f * d + x[5];
}

// A x (4 -> 6): the output gradient's transform (transpose of at).
[[gnu::always_inline]] inline void a6(const F8* x, F8* o) {
  const F8 e = x[0] + x[2], f = x[1] + x[3], e2 = x[0] + 4.0f * x[2], f2 = 2.0f * x[1] + 8.0f * x[3];
  o[0] = x[0];
  o[1] = e + f;
  o[2] = e - f;
  o[3] = e2 + f2;
  o[4] = e2 - f2;
  o[5] = x[3];
}

// G x (3 -> 6): the kernel transform.
[[gnu::always_inline]] inline void g6(const F8* x, F8* o) {
  const F8 s = x[0] + x[2];
  o[0] = 0.25f * x[0];
  o[1] = (-1.0f / 6.0f) * (s + x[1]);
  o[2] = (-1.0f / 6.0f) * (s - x[1]);
  const F8 t = (1.0f / 24.0f) * x[0] + (1.0f / 6.0f) * x[2];
  o[3] = t + (1.0f / 12.0f) * x[1];
  o[4] = t - (1.0f / 12.0f) * x[1];
  o[5] = x[2];
}

// G^T x (6 -> 3): the kernel gradient's transform (transpose of g6).
[[gnu::always_inline]] inline void gt(const F8* x, F8* o) {
  const F8 p = x[1] + x[2], m = x[2] - x[1];
  const F8 q = x[3] + x[4], d = x[3] - x[4];
  o[0] = 0.25f * x[0] - (1.0f / 6.0f) * p + (1.0f / 24.0f) * q;
  o[1] = (1.0f / 6.0f) * m + (1.0f / 12.0f) * d;
  o[2] = (1.0f / 6.0f) * (q - p) + x[5];
}

// sink(i, j, (T x T^T)[i][j]) for a tile x of R x R vectors and a 1-D
// transform T: R -> S, applied down the columns, then along the rows. The
// loops unroll fully, so that i and j are constants and the tile lives in
// registers and stack slots rather than indexed memory.
template <int R, int S, typename T, typename Sink>
[[gnu::always_inline]] inline void both_ways(const F8 (&x)[R][R], T t, Sink sink) {
  F8 cols[S][R];
#pragma GCC unroll 8
  for (int j = 0; j < R; ++j) {
    F8 col[R], res[S];
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) col[i] = x[i][j];
    t(col, res);
#pragma GCC unroll 8
    for (int i = 0; i < S; ++i) cols[i][j] = res[i];
  }
#pragma GCC unroll 8
  for (int i = 0; i < S; ++i) {
    F8 row[S];
    t(cols[i], row);
#pragma GCC unroll 8
    for (int j = 0; j < S; ++j) sink(i, j, row[j]);
  }
}

// Which of a tile's rows and columns lie inside the image; the window starts
// at (y0, x0) of image n: the input window (`input`) or the output tile.
struct Window {
  int64_t n, y0, x0;
  Window(const TileGrid& g, int64_t t, bool input)
      : n(t / (g.rows * g.cols)), y0(4 * ((t / g.cols) % g.rows) - (input ? g.pad_top : 0)),
        x0(4 * (t % g.cols) - (input ? g.pad_left : 0)) {}
  bool row_in(int i, const ActivationView& v) const { return y0 + i >= 0 && y0 + i < v.height; }
  bool col_in(int j, const ActivationView& v) const { return x0 + j >= 0 && x0 + j < v.width; }
  bool inside(int r, const ActivationView& v) const {
    return row_in(0, v) && row_in(r - 1, v) && col_in(0, v) && col_in(r - 1, v);
  }
  // Element (0, 0) of channel c's window (may lie outside the image).
  int64_t origin(const ActivationView& v, int64_t c) const {
    return v.at(n, c, 0, 0) + y0 * v.row_stride + x0 * v.col_stride;
  }
};

// Loads the R x R window of channel vector c (zero outside the image).
template <int R>
[[gnu::always_inline]] inline void load_window(const float* src, const ActivationView& v, const Window& w, int64_t c,
                                               F8 (&x)[R][R]) {
  const float* base = src + w.origin(v, c);
  if (w.inside(R, v)) {
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
#pragma GCC unroll 8
      for (int j = 0; j < R; ++j) x[i][j] = load(base + i * v.row_stride + j * v.col_stride);
    }
    return;
  }
  for (int i = 0; i < R; ++i) {
    const bool row = w.row_in(i, v);
    for (int j = 0; j < R; ++j) {
      x[i][j] = row && w.col_in(j, v) ? load(base + i * v.row_stride + j * v.col_stride) : F8{};
    }
  }
}

// The 36 points of one tile's channel vector in a chunk: (i, j) at at(i, j).
struct Points {
  float* base;
  int64_t stride;
  Points(const TileChunk& ch, int64_t t, int64_t c)
      : base(ch.data + (t - ch.t0) * ch.channels + c), stride(point_stride(ch.t1 - ch.t0, ch.channels)) {}
  Points(float* b, int64_t s) : base(b), stride(s) {}
  [[gnu::always_inline]] float* at(int i, int j) const { return base + (i * 6 + j) * stride; }
};

[[gnu::always_inline]] inline void input_v(const Call& c) {
  const TileChunk& ch = *c.chunk;
  for (int64_t t = c.r.t0; t < c.r.t1; ++t) {
    const Window w(*c.grid, t, true);
    for (int64_t v = c.r.v0; v < c.r.v1; ++v) {
      F8 x[6][6];
      load_window(c.in, *c.view, w, 8 * v, x);
      const Points out(ch, t, 8 * v);
      both_ways<6, 6>(x, bt, [&](int i, int j, F8 r) __attribute__((always_inline)) { store(out.at(i, j), r); });
    }
  }
}

// The 2x2 maxima of a finished 4x4 tile y whose output window is w, into the
// pooled output `view` from element (w.y0 / 2, w.x0 / 2) at `to`, where it exists.
[[gnu::always_inline]] inline void pool_tile(const F8 (&y)[4][4], float* to, const ActivationView& view,
                                             const Window& w) {
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i) {
#pragma GCC unroll 2
    for (int j = 0; j < 2; ++j) {
      if (w.y0 / 2 + i >= view.height || w.x0 / 2 + j >= view.width) continue;
      F8 m = y[2 * i][2 * j];
      for (const F8 r : {y[2 * i][2 * j + 1], y[2 * i + 1][2 * j], y[2 * i + 1][2 * j + 1]}) m = select(r > m, r, m);
      store(to + i * view.row_stride + j * view.col_stride, m);
    }
  }
}

[[gnu::always_inline]] inline void output_v(const Call& c) {
  const TileChunk& ch = *c.chunk;
  const ActivationView& view = *c.view;
  const TileOutput& how = *c.how;
  const F8 lo = splat(how.lo), hi = splat(how.hi);
  for (int64_t t = c.r.t0; t < c.r.t1; ++t) {
    const Window w(*c.grid, t, false);
    const bool inside = w.inside(4, view);
    for (int64_t v = c.r.v0; v < c.r.v1; ++v) {
      F8 m[6][6];
      const Points in(ch, t, 8 * v);
#pragma GCC unroll 8
      for (int i = 0; i < 6; ++i) {
#pragma GCC unroll 8
        for (int j = 0; j < 6; ++j) m[i][j] = load(in.at(i, j));
      }
      const F8 bias = how.bias ? load(how.bias + 8 * v) : F8{};
      const F8 scale = how.scale ? load(how.scale + 8 * v) : F8{}, shift = how.scale ? load(how.shift + 8 * v) : F8{};
      // r plus bias (and the value at `to`, with how.sum), clamped, then scaled and shifted.
      const auto finish = [&](F8& r, const float* to) __attribute__((always_inline)) {
        r += bias;
        if (how.sum) r += load(to);
        if (how.clamp) r = select(r < lo, lo, select(r > hi, hi, r));
        if (how.scale) r = r * scale + shift;
      };
      if (how.pool) {
        F8 y[4][4];
        both_ways<6, 4>(m, at, [&](int i, int j, F8 r) __attribute__((always_inline)) {
          finish(r, nullptr);
          y[i][j] = r;
        });
        pool_tile(y, c.out + view.at(w.n, 8 * v, w.y0 / 2, w.x0 / 2), view, w);
        continue;
      }
      float* base = c.out + w.origin(view, 8 * v);
      both_ways<6, 4>(m, at, [&](int i, int j, F8 r) __attribute__((always_inline)) {
        if (!inside && !(w.row_in(i, view) && w.col_in(j, view))) return;
        float* to = base + i * view.row_stride + j * view.col_stride;
        finish(r, to);
        store(to, r);
      });
    }
  }
}

[[gnu::always_inline]] inline void gradient_v(const Call& c) {
  const TileChunk& ch = *c.chunk;
  for (int64_t v = c.r.v0; v < c.r.v1; ++v) {
    F8 sum{};
    for (int64_t t = c.r.t0; t < c.r.t1; ++t) {
      const Window w(*c.grid, t, false);
      F8 d[4][4];
      load_window(c.in, *c.view, w, 8 * v, d);
      const Points out(ch, t, 8 * v);
      both_ways<4, 6>(d, a6, [&](int i, int j, F8 r) __attribute__((always_inline)) { store(out.at(i, j), r); });
      if (c.bias_grad) {
        for (int i = 0; i < 4; ++i) sum += (d[i][0] + d[i][1]) + (d[i][2] + d[i][3]);
      }
    }
    if (c.bias_grad) {
      for (int i = 0; i < 8; ++i) c.bias_grad[8 * v + i] += sum[i];
    }
  }
}

[[gnu::always_inline]] inline void kernel_v(const Call& c) {
  const int64_t in = c.in_channels, out = c.out_channels;
  for (int64_t ci = 0; ci < in; ++ci) {
    for (int64_t k = c.r.v0; k < c.r.v1; k += 8) {
      F8 g[3][3];
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) {
          const int s = c.flip ? (2 - i) * 3 + (2 - j) : i * 3 + j;
          g[i][j] = load(c.in + (s * in + ci) * out + k);
        }
      }
      if (c.scale) {
        const F8 s = load(c.scale + k);
        for (auto& row : g) {
          for (F8& x : row) x *= s;
        }
      }
      const Points u(c.out + ci * out + k, in * out);
      both_ways<3, 6>(g, g6, [&](int i, int j, F8 r) __attribute__((always_inline)) { store(u.at(i, j), r); });
    }
  }
}

[[gnu::always_inline]] inline void kernel_grad_v(const Call& c) {
  const int64_t in = c.in_channels, out = c.out_channels;
  for (int64_t ci = 0; ci < in; ++ci) {
    for (int64_t k = c.r.v0; k < c.r.v1; k += 8) {
      F8 x[6][6];
      const Points du(const_cast<float*>(c.in) + ci * out + k, in * out);
      for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) x[i][j] = load(du.at(i, j));
      }
      both_ways<6, 3>(x, gt, [&](int i, int j, F8 r) __attribute__((always_inline)) {
        store(c.out + ((i * 3 + j) * in + ci) * out + k, r);
      });
    }
  }
}

[[gnu::always_inline]] inline void run_any(const Call& c) {
  switch (c.op) {
    case Call::Op::Input: return input_v(c);
    case Call::Op::Output: return output_v(c);
    case Call::Op::Gradient: return gradient_v(c);
    case Call::Op::Kernel: return kernel_v(c);
    case Call::Op::KernelGrad: return kernel_grad_v(c);
  }
}

[[gnu::target("arch=x86-64-v4")]] void run_avx512(const Call& c) { run_any(c); }
[[gnu::target("arch=x86-64-v3")]] void run_avx2(const Call& c) { run_any(c); }
void run_baseline(const Call& c) { run_any(c); }

}  // namespace

WinogradTiles::WinogradTiles(CpuLevel level)
    : run_(level == CpuLevel::Avx512 ? run_avx512 : level == CpuLevel::Avx2 ? run_avx2 : run_baseline) {}

void WinogradTiles::input(const float* src, const ActivationView& view, const TileGrid& grid, const TileChunk& out,
                          const TileRange& r) const {
  run_({.op = Call::Op::Input, .in = src, .view = &view, .grid = &grid, .chunk = &out, .r = r});
}

void WinogradTiles::output(const TileChunk& m, const TileGrid& grid, const TileOutput& how, float* dst,
                           const ActivationView& view, const TileRange& r) const {
  run_({.op = Call::Op::Output, .out = dst, .view = &view, .grid = &grid, .chunk = &m, .how = &how, .r = r});
}

void WinogradTiles::gradient(const float* dy, const ActivationView& view, const TileGrid& grid, const TileChunk& out,
                             double* bias_grad, const TileRange& r) const {
  run_({.op = Call::Op::Gradient, .in = dy, .view = &view, .grid = &grid, .chunk = &out, .bias_grad = bias_grad,
        .r = r});
}

void WinogradTiles::kernel(const float* hwio, const float* scale, int64_t in, int64_t out, bool flip, float* u,
                           int64_t k0, int64_t k1) const {
  run_({.op = Call::Op::Kernel, .in = hwio, .out = u, .r = {0, 0, k0, k1}, .in_channels = in, .out_channels = out,
        .flip = flip, .scale = scale});
}

void WinogradTiles::kernel_grad(const float* du, int64_t in, int64_t out, float* hwio_grad, int64_t k0,
                                int64_t k1) const {
  run_({.op = Call::Op::KernelGrad, .in = du, .out = hwio_grad, .r = {0, 0, k0, k1}, .in_channels = in,
        .out_channels = out});
}

}  // namespace petal::detail
