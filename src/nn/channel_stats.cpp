// Per-channel statistics and batch-norm backward reductions over oneDNN layouts,
// accumulated in double (vectorised over the channel block). Float partial sums
// are not enough: the backward sums cancel almost exactly (batch norm's input
// gradient has zero mean per channel), and their rounding error would reappear
// in the previous layer's bias gradient.
#include "nn/channel_stats.h"

#include <array>
#include <cmath>

namespace petal::detail {

namespace {

// Widest inner channel block handled (oneDNN's blocked layouts use 4, 8 or 16).
constexpr int64_t kMaxBlock = 64;

struct Geometry {
  int64_t n, c, spatial;  // logical sizes (spatial = H*W, 1 for 2-D)
  int64_t stride_n, stride_cb;
  int64_t block;  // inner channel block (1 when none)
  int64_t width, stride_h, stride_w;
  // [spatial][block] contiguous inside each (n, channel block): the fast path.
  bool contiguous() const { return stride_w == block && stride_h == width * block; }
  int64_t offset(int64_t n_, int64_t cb, int64_t s) const {
    return n_ * stride_n + cb * stride_cb + (s / width) * stride_h + (s % width) * stride_w;
  }
};

Geometry geometry(const memory::desc& md) {
  const auto& d = md.data;
  const auto& b = d.format_desc.blocking;
  Geometry g{};
  g.n = d.dims[0];
  g.c = d.dims[1];
  g.block = b.inner_nblks == 1 ? b.inner_blks[0] : 1;
  g.stride_n = b.strides[0];
  g.stride_cb = b.strides[1];
  // [N, C, W] is [N, C, 1, W].
  g.spatial = d.ndims == 4 ? d.dims[2] * d.dims[3] : d.ndims == 3 ? d.dims[2] : 1;
  g.width = d.ndims >= 3 ? d.dims[d.ndims - 1] : 1;
  g.stride_h = d.ndims == 4 ? b.strides[2] : 0;
  g.stride_w = d.ndims >= 3 ? b.strides[d.ndims - 1] : 0;
  return g;
}

using Sums = std::array<double, kMaxBlock>;

// a[i] += f(s*B + i, i) and b[i] += h(s*B + i, i) over `positions` positions of
// a contiguous [positions][B] run starting at element `base`.
template <int B, typename F, typename H>
void accumulate_contiguous(int64_t base, int64_t positions, double* a, double* b, F f, H h) {
  double pa[B] = {}, pb[B] = {};
  for (int64_t s = 0; s < positions; ++s) {
    for (int i = 0; i < B; ++i) {
      pa[i] += static_cast<double>(f(base + s * B + i, i));
      pb[i] += static_cast<double>(h(base + s * B + i, i));
    }
  }
  for (int i = 0; i < B; ++i) a[i] += pa[i], b[i] += pb[i];
}

// For every channel block (in parallel): fn(cb, channels in block).
template <typename Fn>
void for_each_block(const Geometry& g, Fn fn) {
  const int64_t blocks = (g.c + g.block - 1) / g.block;
#pragma omp parallel for schedule(static)
  for (int64_t cb = 0; cb < blocks; ++cb) fn(cb, std::min(g.block, g.c - cb * g.block));
}

// Per channel of block cb, in one pass over n and positions:
// a[i] += f(element offset, i), b[i] += h(element offset, i).
template <typename F, typename H>
void block_sums(const Geometry& g, int64_t cb, int64_t width, double* a, double* b, F f, H h) {
  for (int64_t n = 0; n < g.n; ++n) {
    const int64_t base = n * g.stride_n + cb * g.stride_cb;
    if (g.contiguous() && g.block == 16) {
      accumulate_contiguous<16>(base, g.spatial, a, b, f, h);
    } else if (g.contiguous() && g.block == 8) {
      accumulate_contiguous<8>(base, g.spatial, a, b, f, h);
    } else {
      for (int64_t s = 0; s < g.spatial; ++s) {
        const int64_t o = g.offset(n, cb, s);
        for (int64_t i = 0; i < width; ++i) {
          a[i] += f(o + i, static_cast<int>(i));
          b[i] += h(o + i, static_cast<int>(i));
        }
      }
    }
  }
}

}  // namespace

bool channel_stats_supported(const memory::desc& md) {
  const auto& d = md.data;
  if (d.format_kind != dnnl_blocked || d.ndims < 2 || d.ndims > 4) return false;
  const auto& b = d.format_desc.blocking;
  return b.inner_nblks == 0 || (b.inner_nblks == 1 && b.inner_idxs[0] == 1 && b.inner_blks[0] <= kMaxBlock);
}

void channel_stats(const memory::desc& md, const float* data, float* mean, float* variance) {
  const Geometry g = geometry(md);
  const double count = static_cast<double>(g.n * g.spatial);
  for_each_block(g, [&](int64_t cb, int64_t width) {
    Sums sum{}, sq{};
    block_sums(g, cb, width, sum.data(), sq.data(), [&](int64_t o, int) { return data[o]; },
               [&](int64_t o, int) { return data[o] * data[o]; });
    for (int64_t i = 0; i < width; ++i) {
      const double m = sum[i] / count;
      mean[cb * g.block + i] = static_cast<float>(m);
      variance[cb * g.block + i] = static_cast<float>(std::max(0.0, sq[i] / count - m * m));
    }
  });
}

void batch_norm_backward(const memory::desc& md, const BatchNormBackwardArgs& a) {
  const Geometry g = geometry(md);
  const double count = static_cast<double>(g.n * g.spatial);
  for_each_block(g, [&](int64_t cb, int64_t width) {
    const int64_t c0 = cb * g.block;
    std::array<float, kMaxBlock> mean{}, inv{}, scale{}, shift{}, slope{};
    for (int64_t i = 0; i < width; ++i) {
      mean[i] = a.mean[c0 + i];
      inv[i] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a.variance[c0 + i]) + a.epsilon));
    }
    Sums db{}, dg{};
    block_sums(g, cb, width, db.data(), dg.data(), [&](int64_t o, int) { return a.dy[o]; },
               [&](int64_t o, int i) { return a.dy[o] * (a.x[o] - mean[i]) * inv[i]; });
    if (a.dx) {
      for (int64_t i = 0; i < width; ++i) {
        const double k = (a.gamma ? a.gamma[c0 + i] : 1.0) * inv[i];
        scale[i] = static_cast<float>(k);                            // * dy
        shift[i] = static_cast<float>(-k * db[i] / count);           // constant term
        slope[i] = static_cast<float>(-k * dg[i] / count * inv[i]);  // * (x - mean)
      }
      for (int64_t n = 0; n < g.n; ++n) {
        for (int64_t s = 0; s < g.spatial; ++s) {
          const int64_t o = g.offset(n, cb, s);
          for (int64_t i = 0; i < width; ++i) {
            a.dx[o + i] = scale[i] * a.dy[o + i] + shift[i] + slope[i] * (a.x[o + i] - mean[i]);
          }
        }
      }
    }
    for (int64_t i = 0; i < width; ++i) {
      if (a.dgamma) a.dgamma[c0 + i] = static_cast<float>((a.accumulate ? a.dgamma[c0 + i] : 0.0) + dg[i]);
      if (a.dbeta) a.dbeta[c0 + i] = static_cast<float>((a.accumulate ? a.dbeta[c0 + i] : 0.0) + db[i]);
    }
  });
}

}  // namespace petal::detail
