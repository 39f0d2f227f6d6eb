// LayerNormLoop: per-group moments in double, vectorised over the elements.
#include "nn/layer_norm_loop.h"

#include <algorithm>
#include <cmath>

namespace petal::detail {

namespace {

// Offsets of every index combination of `dims` (row-major over them, in order).
std::vector<int64_t> offsets(const Shape& shape, const std::vector<size_t>& dims) {
  std::vector<int64_t> stride(shape.size(), 1);
  for (size_t i = shape.size() - 1; i-- > 0;) stride[i] = stride[i + 1] * shape[i + 1];
  std::vector<int64_t> out{0};
  for (size_t d : dims) {
    std::vector<int64_t> next;
    next.reserve(out.size() * static_cast<size_t>(shape[d]));
    for (int64_t base : out) {
      for (int64_t k = 0; k < shape[d]; ++k) next.push_back(base + k * stride[d]);
    }
    out = std::move(next);
  }
  return out;
}

}  // namespace

LayerNormLoop::LayerNormLoop(const Shape& shape, const std::vector<int>& axes, float epsilon) : epsilon_(epsilon) {
  std::vector<size_t> norm, rest;
  for (size_t d = 0; d < shape.size(); ++d) {
    (std::find(axes.begin(), axes.end(), static_cast<int>(d)) != axes.end() ? norm : rest).push_back(d);
  }
  group_offsets_ = offsets(shape, rest);
  elem_offsets_ = offsets(shape, norm);
  mean_.resize(group_offsets_.size());
  rstd_.resize(group_offsets_.size());
}

void LayerNormLoop::forward(const float* x, const float* gamma, const float* beta, float* y) {
  const auto groups = static_cast<int64_t>(group_offsets_.size());
  const auto n = static_cast<int64_t>(elem_offsets_.size());
  const int64_t* eo = elem_offsets_.data();
#pragma omp parallel for schedule(static)
  for (int64_t g = 0; g < groups; ++g) {
    const float* xg = x + group_offsets_[static_cast<size_t>(g)];
    double sum = 0, sq = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t e = 0; e < n; ++e) sum += xg[eo[e]];
    const double mean = sum / static_cast<double>(n);
#pragma omp simd reduction(+ : sq)
    for (int64_t e = 0; e < n; ++e) sq += (xg[eo[e]] - mean) * (xg[eo[e]] - mean);
    const auto m = static_cast<float>(mean);
    const auto r = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(n) + epsilon_));
    mean_[static_cast<size_t>(g)] = m;
    rstd_[static_cast<size_t>(g)] = r;
    float* yg = y + group_offsets_[static_cast<size_t>(g)];
#pragma omp simd
    for (int64_t e = 0; e < n; ++e) {
      yg[eo[e]] = (xg[eo[e]] - m) * r * (gamma ? gamma[e] : 1.0f) + (beta ? beta[e] : 0.0f);
    }
  }
}

// dx = rstd * (g*dy - mean(g*dy) - xhat * mean(g*dy * xhat)), xhat = (x - mean) * rstd.
void LayerNormLoop::backward(const float* x, const float* dy, const float* gamma, float* dx, float* dgamma,
                             float* dbeta, bool accumulate) const {
  const auto groups = static_cast<int64_t>(group_offsets_.size());
  const auto n = static_cast<int64_t>(elem_offsets_.size());
  const int64_t* eo = elem_offsets_.data();
  const int64_t* go = group_offsets_.data();
  if (dx) {
#pragma omp parallel for schedule(static)
    for (int64_t g = 0; g < groups; ++g) {
      const float m = mean_[static_cast<size_t>(g)], r = rstd_[static_cast<size_t>(g)];
      const float *xg = x + go[g], *dyg = dy + go[g];
      double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
      for (int64_t e = 0; e < n; ++e) {
        const double gdy = static_cast<double>(dyg[eo[e]]) * (gamma ? gamma[e] : 1.0f);
        a += gdy;
        b += gdy * (xg[eo[e]] - m) * r;
      }
      const auto ma = static_cast<float>(a / static_cast<double>(n));
      const auto mb = static_cast<float>(b / static_cast<double>(n));
      float* dxg = dx + go[g];
#pragma omp simd
      for (int64_t e = 0; e < n; ++e) {
        dxg[eo[e]] = r * (dyg[eo[e]] * (gamma ? gamma[e] : 1.0f) - ma - (xg[eo[e]] - m) * r * mb);
      }
    }
  }
  if (!dgamma && !dbeta) return;
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < n; ++e) {
    double sg = 0, sb = 0;
    for (int64_t g = 0; g < groups; ++g) {
      const float d = dy[go[g] + eo[e]];
      sb += d;
      sg += static_cast<double>(d) * (x[go[g] + eo[e]] - mean_[static_cast<size_t>(g)]) * rstd_[static_cast<size_t>(g)];
    }
    if (dgamma) dgamma[e] = static_cast<float>((accumulate ? dgamma[e] : 0.0) + sg);
    if (dbeta) dbeta[e] = static_cast<float>((accumulate ? dbeta[e] : 0.0) + sb);
  }
}

}  // namespace petal::detail
