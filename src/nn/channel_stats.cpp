// Double-precision per-channel statistics over any supported oneDNN layout.
#include "nn/channel_stats.h"

#include <array>
#include <cmath>

namespace petal::detail {

namespace {

// Widest inner channel block handled (oneDNN's blocked layouts use 4, 8 or 16).
constexpr int64_t kMaxBlock = 64;

struct Geometry {
  int64_t n, c, spatial;  // logical sizes (spatial = H*W, 1 for 2-D)
  int64_t stride_n, stride_cb, stride_s;  // element strides of n, channel block, spatial position
  int64_t block;  // inner channel block (1 when none)
  int64_t width, stride_h, stride_w;
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
  g.spatial = d.ndims == 4 ? d.dims[2] * d.dims[3] : 1;
  g.width = d.ndims == 4 ? d.dims[3] : 1;
  g.stride_h = d.ndims == 4 ? b.strides[2] : 0;
  g.stride_w = d.ndims == 4 ? b.strides[3] : 0;
  return g;
}

}  // namespace

bool channel_stats_supported(const memory::desc& md) {
  const auto& d = md.data;
  if (d.format_kind != dnnl_blocked || (d.ndims != 2 && d.ndims != 4)) return false;
  const auto& b = d.format_desc.blocking;
  return b.inner_nblks == 0 || (b.inner_nblks == 1 && b.inner_idxs[0] == 1 && b.inner_blks[0] <= kMaxBlock);
}

void channel_stats(const memory::desc& md, const float* data, float* mean, float* variance) {
  const Geometry g = geometry(md);
  const int64_t blocks = (g.c + g.block - 1) / g.block;
  const double count = static_cast<double>(g.n * g.spatial);
#pragma omp parallel for schedule(static)
  for (int64_t cb = 0; cb < blocks; ++cb) {
    std::array<double, kMaxBlock> sum{}, sq{};
    const int64_t width = std::min(g.block, g.c - cb * g.block);
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t s = 0; s < g.spatial; ++s) {
        const int64_t h = s / g.width, w = s % g.width;
        const float* p = data + n * g.stride_n + cb * g.stride_cb + h * g.stride_h + w * g.stride_w;
        for (int64_t i = 0; i < width; ++i) {
          const double v = p[i];
          sum[i] += v;
          sq[i] += v * v;
        }
      }
    }
    for (int64_t i = 0; i < width; ++i) {
      const double m = sum[i] / count;
      mean[cb * g.block + i] = static_cast<float>(m);
      variance[cb * g.block + i] = static_cast<float>(std::max(0.0, sq[i] / count - m * m));
    }
  }
}

void batch_norm_backward(const memory::desc& md, const BatchNormBackwardArgs& a) {
  const Geometry g = geometry(md);
  const int64_t blocks = (g.c + g.block - 1) / g.block;
  const double count = static_cast<double>(g.n * g.spatial);
#pragma omp parallel for schedule(static)
  for (int64_t cb = 0; cb < blocks; ++cb) {
    const int64_t c0 = cb * g.block, width = std::min(g.block, g.c - c0);
    std::array<double, kMaxBlock> db{}, dg{};
    std::array<float, kMaxBlock> mean{}, inv{};
    for (int64_t i = 0; i < width; ++i) {
      mean[i] = a.mean[c0 + i];
      inv[i] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a.variance[c0 + i]) + a.epsilon));
    }
    auto offset = [&](int64_t n, int64_t s) {
      return n * g.stride_n + cb * g.stride_cb + (s / g.width) * g.stride_h + (s % g.width) * g.stride_w;
    };
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t s = 0; s < g.spatial; ++s) {
        const int64_t o = offset(n, s);
        for (int64_t i = 0; i < width; ++i) {
          const double dy = a.dy[o + i];
          db[i] += dy;
          dg[i] += dy * static_cast<double>((a.x[o + i] - mean[i]) * inv[i]);
        }
      }
    }
    if (a.dx) {
      std::array<float, kMaxBlock> scale{}, shift{}, slope{};
      for (int64_t i = 0; i < width; ++i) {
        const double k = (a.gamma ? a.gamma[c0 + i] : 1.0) * inv[i];
        scale[i] = static_cast<float>(k);                          // * dy
        shift[i] = static_cast<float>(-k * db[i] / count);         // constant term
        slope[i] = static_cast<float>(-k * dg[i] / count * inv[i]);  // * (x - mean)
      }
      for (int64_t n = 0; n < g.n; ++n) {
        for (int64_t s = 0; s < g.spatial; ++s) {
          const int64_t o = offset(n, s);
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
  }
}

}  // namespace petal::detail
