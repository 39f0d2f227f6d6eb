// Batch norm's row-run loops (channel_kernels.h). One body (templates on the
// row width: 16 and 8 channels, oneDNN's blocks, as whole vectors; any other
// width one channel at a time) is forced inline into three entry points compiled
// for x86-64-v4 (AVX-512), x86-64-v3 (AVX2 + FMA) and the baseline; the
// ChannelKernels of a level calls that level's.
#include "nn/channel_kernels.h"

#include <algorithm>

#include "nn/channel_lanes.h"
#include "nn/vec8.h"
#include "nn/vec8_no_psabi.h"

namespace petal::detail {

namespace {

using namespace vec8;

// Sums over a run of rows: float partial sums over chunks of kSumChunk rows (a
// conversion per row would cost more than the memory traffic), added in double.
// The chunks bound the float rounding to that of a 16-term sum: with 32 the
// backward's cancelling sums (gamma's gradient) lost up to 1e-3 relative in
// MiniVGGNet (TorchParity, AVX2); 32 read a cold tensor ~10% faster.
constexpr int64_t kChunk = kSumChunk;

// row(offset, fa, fb) for each row of the run, into float partials fa and fb
// (H vectors each) that each chunk adds into a and b. Whole chunks run with a
// fixed trip count, the last partial chunk after them.
template <int H, typename Row>
[[gnu::always_inline]] inline void chunked_sums(const RowRun& run, Sum8* a, Sum8* b, Row row) {
  for (int64_t i = 0; i < run.images; ++i) {
    const int64_t base = run.offset + i * run.image_stride;
    const auto chunk = [&](int64_t r0, int64_t rows) __attribute__((always_inline)) {
      F8 fa[H] = {}, fb[H] = {};
      for (int64_t r = r0; r < r0 + rows; ++r) row(base + r * run.stride, fa, fb);
      for (int h = 0; h < H; ++h) a[h].add(fa[h]), b[h].add(fb[h]);
    };
    int64_t r0 = 0;
    for (; r0 + kChunk <= run.rows; r0 += kChunk) chunk(r0, kChunk);
    if (r0 < run.rows) chunk(r0, run.rows - r0);
  }
}

// f(offset) for each row of the run, image by image.
template <typename F>
[[gnu::always_inline]] inline void each_row(const RowRun& run, F f) {
  for (int64_t i = 0; i < run.images; ++i) {
    const int64_t base = run.offset + i * run.image_stride;
    for (int64_t r = 0; r < run.rows; ++r) f(base + r * run.stride);
  }
}

// Sums of x and x*x, of x - p with the pivot p = the run's first row: the
// variance then suffers no cancellation when the mean is large against it.
template <int H>
[[gnu::always_inline]] inline void sum_squares_v(const float* data, const RowRun& run, double* sum, double* sq) {
  const Lanes<H> pivot(data + run.offset);
  Sum8 s[H], q[H];
  chunked_sums<H>(run, s, q, [&](int64_t o, F8* fs, F8* fq) __attribute__((always_inline)) {
    for (int h = 0; h < H; ++h) {
      const F8 v = load(data + o + 8 * h) - pivot.v[h];
      fs[h] += v;
      fq[h] += v * v;
    }
  });
  add_unpivoted<H>(pivot.v, s, q, static_cast<double>(run.rows * run.images), sum, sq);
}

template <int H, bool Masked>
[[gnu::always_inline]] inline void sum_gradients_v(const float* x, const float* dy, const RowRun& run,
                                                   const GradSumArgs& a, double* db, double* dg) {
  const Lanes<H> mean(a.mean), inv(a.inv);
  const Clamp<H> act(Masked ? *a.mask : ChannelAffine{a.mean, a.mean});
  Sum8 b[H], g[H];
  chunked_sums<H>(run, b, g, [&](int64_t o, F8* fb, F8* fg) __attribute__((always_inline)) {
    for (int h = 0; h < H; ++h) {
      const F8 xv = load(x + o + 8 * h);
      F8 d = load(dy + o + 8 * h);
      if constexpr (Masked) d = act.mask(xv, d, h);
      fb[h] += d;
      fg[h] += d * (xv - mean.v[h]) * inv.v[h];
    }
  });
  for (int h = 0; h < H; ++h) b[h].add_to(db + 8 * h), g[h].add_to(dg + 8 * h);
}

template <int H, bool Clamped>
[[gnu::always_inline]] inline void affine_rows_v(const float* x, float* y, const RowRun& run, const ChannelAffine& a) {
  const Clamp<H> f(a);
  each_row(run, [&](int64_t o) __attribute__((always_inline)) {
    for (int h = 0; h < H; ++h) {
      F8 v = f.affine(load(x + o + 8 * h), h);
      if constexpr (Clamped) v = f.clamp(v);
      store(y + o + 8 * h, v);
    }
  });
}

template <int H, bool Masked>
[[gnu::always_inline]] inline void input_gradient_v(const float* x, const float* dy, float* dx, const RowRun& run,
                                                    const InputGradArgs& a) {
  const InputGradient<H, Masked> grad(a);
  each_row(run, [&](int64_t o) __attribute__((always_inline)) {
    for (int h = 0; h < H; ++h) store(dx + o + 8 * h, grad.at(load(x + o + 8 * h), load(dy + o + 8 * h), h));
  });
}

// Any width (plain layouts, a last partial block): one channel at a time.
[[gnu::always_inline]] inline float affine1(const ChannelAffine& a, float x, int i) {
  return x * a.scale[i] + a.shift[i];
}
[[gnu::always_inline]] inline float mask1(const ChannelAffine* a, float x, float g, int i) {
  if (!a) return g;
  const float v = affine1(*a, x, i);
  return v > a->lo && v < a->hi ? g : 0.0f;
}

template <typename F>
[[gnu::always_inline]] inline void each(const RowRun& run, int width, F f) {
  each_row(run, [&](int64_t o) __attribute__((always_inline)) {
    for (int i = 0; i < width; ++i) f(o + i, i);
  });
}

// One call of any loop, on any level.
[[gnu::always_inline]] inline void run_any(const KernelCall& c) {
  const RowRun& run = c.run;
  const int width = c.width;
  switch (c.op) {
    case KernelCall::Op::SumSquares: {
      const float* data = c.x;
      if (width == 16) return sum_squares_v<2>(data, run, c.sum_a, c.sum_b);
      if (width == 8) return sum_squares_v<1>(data, run, c.sum_a, c.sum_b);
      return each(run, width, [&](int64_t o, int i) {
        c.sum_a[i] += data[o];
        c.sum_b[i] += static_cast<double>(data[o]) * data[o];
      });
    }
    case KernelCall::Op::SumGradients: {
      const GradSumArgs& a = *c.grad_sums;
      const bool m = a.mask != nullptr;
      if (width == 16) {
        return m ? sum_gradients_v<2, true>(c.x, c.dy, run, a, c.sum_a, c.sum_b)
                 : sum_gradients_v<2, false>(c.x, c.dy, run, a, c.sum_a, c.sum_b);
      }
      if (width == 8) {
        return m ? sum_gradients_v<1, true>(c.x, c.dy, run, a, c.sum_a, c.sum_b)
                 : sum_gradients_v<1, false>(c.x, c.dy, run, a, c.sum_a, c.sum_b);
      }
      return each(run, width, [&](int64_t o, int i) {
        const float g = mask1(a.mask, c.x[o], c.dy[o], i);
        c.sum_a[i] += g;
        c.sum_b[i] += g * (c.x[o] - a.mean[i]) * a.inv[i];
      });
    }
    case KernelCall::Op::Affine: {
      const ChannelAffine& a = *c.affine;
      if (width == 16) return a.clamp ? affine_rows_v<2, true>(c.x, c.out, run, a) : affine_rows_v<2, false>(c.x, c.out, run, a);
      if (width == 8) return a.clamp ? affine_rows_v<1, true>(c.x, c.out, run, a) : affine_rows_v<1, false>(c.x, c.out, run, a);
      return each(run, width, [&](int64_t o, int i) {
        const float v = affine1(a, c.x[o], i);
        c.out[o] = !a.clamp ? v : v < a.lo ? a.lo : v > a.hi ? a.hi : v;
      });
    }
    case KernelCall::Op::InputGradient: {
      const InputGradArgs& a = *c.input_grad;
      const bool m = a.mask != nullptr;
      if (width == 16) {
        return m ? input_gradient_v<2, true>(c.x, c.dy, c.out, run, a) : input_gradient_v<2, false>(c.x, c.dy, c.out, run, a);
      }
      if (width == 8) {
        return m ? input_gradient_v<1, true>(c.x, c.dy, c.out, run, a) : input_gradient_v<1, false>(c.x, c.dy, c.out, run, a);
      }
      return each(run, width, [&](int64_t o, int i) {
        const float g = mask1(a.mask, c.x[o], c.dy[o], i);
        c.out[o] = a.k[i] * g + a.c[i] + a.slope[i] * (c.x[o] - a.mean[i]);
      });
    }
  }
}

[[gnu::target("arch=x86-64-v4")]] void run_avx512(const KernelCall& c) { run_any(c); }
[[gnu::target("arch=x86-64-v3")]] void run_avx2(const KernelCall& c) { run_any(c); }
void run_baseline(const KernelCall& c) { run_any(c); }

}  // namespace

ChannelKernels::ChannelKernels(CpuLevel level)
    : level_(level), run_(level == CpuLevel::Avx512 ? run_avx512 : level == CpuLevel::Avx2 ? run_avx2 : run_baseline) {}

void ChannelKernels::sum_squares(const float* data, const RowRun& run, int width, double* sum, double* sq) const {
  KernelCall c{KernelCall::Op::SumSquares, run, width};
  c.x = data;
  c.sum_a = sum;
  c.sum_b = sq;
  run_(c);
}

void ChannelKernels::sum_gradients(const float* x, const float* dy, const RowRun& run, int width,
                                   const GradSumArgs& a, double* db, double* dg) const {
  KernelCall c{KernelCall::Op::SumGradients, run, width};
  c.x = x;
  c.dy = dy;
  c.grad_sums = &a;
  c.sum_a = db;
  c.sum_b = dg;
  run_(c);
}

void ChannelKernels::affine_rows(const float* x, float* y, const RowRun& run, int width,
                                 const ChannelAffine& a) const {
  KernelCall c{KernelCall::Op::Affine, run, width};
  c.x = x;
  c.out = y;
  c.affine = &a;
  run_(c);
}

void ChannelKernels::input_gradient_rows(const float* x, const float* dy, float* dx, const RowRun& run, int width,
                                         const InputGradArgs& a) const {
  KernelCall c{KernelCall::Op::InputGradient, run, width};
  c.x = x;
  c.dy = dy;
  c.out = dx;
  c.input_grad = &a;
  run_(c);
}

}  // namespace petal::detail
