// Batch norm's training loops (src/nn/batch_norm_loops.h) against a reference
// in double on the plain tensor, at every CPU level this machine has (so the
// AVX2 build is checked on AVX-512 machines too), in oneDNN's layouts: 16- and
// 8-channel blocks (full and partial: padding written zero), channels-last and
// 2-D, a batch cut into parts of several images; without an activation and with
// relu and relu6 fused.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nn/batch_norm_loops.h"
#include "petal/core/rng.h"
#include "testing/dnnl_reorder.h"

namespace petal::detail {
namespace {

struct Layout {
  std::string name;
  Dims dims;  // N, C (, H, W)
  Tag tag;
};

struct Reference {
  std::vector<double> mean, var, y, dx, dgamma, dbeta;
};

// Plain [N, C, S] data; upper < 0: no activation.
Reference reference(const std::vector<float>& x, const std::vector<float>& dy, int64_t n, int64_t c, int64_t s,
                    const std::vector<float>& gamma, const std::vector<float>& beta, float eps, float upper) {
  Reference r;
  r.mean.assign(c, 0);
  r.var.assign(c, 0);
  r.dgamma.assign(c, 0);
  r.dbeta.assign(c, 0);
  r.y.resize(x.size());
  r.dx.resize(x.size());
  const auto at = [&](int64_t i, int64_t ch, int64_t p) { return (i * c + ch) * s + p; };
  const double m = static_cast<double>(n * s);
  for (int64_t ch = 0; ch < c; ++ch) {
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t p = 0; p < s; ++p) r.mean[ch] += x[at(i, ch, p)] / m;
    }
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t p = 0; p < s; ++p) r.var[ch] += std::pow(x[at(i, ch, p)] - r.mean[ch], 2) / m;
    }
    const double inv = 1 / std::sqrt(r.var[ch] + eps);
    std::vector<double> g(static_cast<size_t>(n * s));
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t p = 0; p < s; ++p) {
        const int64_t o = at(i, ch, p);
        const double xhat = (x[o] - r.mean[ch]) * inv, v = gamma[ch] * xhat + beta[ch];
        const bool pass = upper < 0 || (v > 0 && v < upper);
        r.y[o] = upper < 0 ? v : std::min(std::max(v, 0.0), static_cast<double>(upper));
        g[i * s + p] = pass ? dy[o] : 0.0;
        r.dbeta[ch] += g[i * s + p];
        r.dgamma[ch] += g[i * s + p] * xhat;
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t p = 0; p < s; ++p) {
        const double xhat = (x[at(i, ch, p)] - r.mean[ch]) * inv;
        r.dx[at(i, ch, p)] = gamma[ch] * inv * (g[i * s + p] - r.dbeta[ch] / m - xhat * r.dgamma[ch] / m);
      }
    }
  }
  return r;
}

template <typename A, typename B>
void expect_close(const A& got, const B& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double worst = 0, scale = 0;
  for (size_t i = 0; i < want.size(); ++i) scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i])));
  }
  EXPECT_LE(worst, tol * std::max(scale, 1e-3)) << what << ": worst difference " << worst << " (scale " << scale << ")";
}

TEST(BatchNormLoops, MatchTheReferenceAtEveryCpuLevelAndLayout) {
  const std::vector<Layout> layouts{{"nChw16c, 20 channels", {3, 20, 5, 4}, Tag::nChw16c},
                                    {"nChw16c, 32 channels", {2, 32, 3, 3}, Tag::nChw16c},
                                    {"nChw8c, 24 channels", {3, 24, 4, 5}, Tag::nChw8c},
                                    // several images to a part, in three parts
                                    {"nChw16c, 20 images of 6x6", {20, 16, 6, 6}, Tag::nChw16c},
                                    {"nhwc, 5 channels", {4, 5, 3, 2}, Tag::nhwc},
                                    {"nc, 6 features", {7, 6}, Tag::nc}};
  int levels = 0;
  for (const CpuLevel level : {CpuLevel::Baseline, CpuLevel::Avx2, CpuLevel::Avx512}) {
    if (!cpu_has(level)) continue;
    ++levels;
    for (const Layout& l : layouts) {
      for (const float upper : {-1.0f, std::numeric_limits<float>::infinity(), 6.0f}) {
        const std::string what = level_name(level) + ", " + l.name + ", upper " + std::to_string(upper);
        const int64_t n = l.dims[0], c = l.dims[1], s = l.dims.size() == 4 ? l.dims[2] * l.dims[3] : 1;
        Rng rng(static_cast<uint64_t>(n * 100 + c));
        std::vector<float> x(static_cast<size_t>(n * c * s)), dy(x.size()), gamma(c), beta(c);
        // A large mean against the spread (the variance must not cancel), and
        // outputs across both ends of relu6.
        for (auto& v : x) v = static_cast<float>(50.0 + rng.uniform(-3.0, 3.0));
        for (auto& v : dy) v = static_cast<float>(rng.uniform(-1.0, 1.0));
        for (auto& v : gamma) v = static_cast<float>(rng.uniform(0.5, 4.0));
        for (auto& v : beta) v = static_cast<float>(rng.uniform(-1.0, 5.0));
        const float eps = 1e-3f;
        const Reference r = reference(x, dy, n, c, s, gamma, beta, eps, upper);

        const memory::desc plain(l.dims, memory::data_type::f32, l.dims.size() == 4 ? Tag::nchw : Tag::nc);
        const memory::desc md(l.dims, memory::data_type::f32, l.tag);
        const std::vector<float> bx = testing::reorder_floats(x, plain, md), bdy = testing::reorder_floats(dy, plain, md);
        // Outputs start as NaN: the padding of a partial channel block must come back zero.
        std::vector<float> by(bx.size(), std::nanf("")), bdx(bx.size(), std::nanf(""));
        std::vector<float> mean(c), var(c), dgamma(c, 0.5f), dbeta(c, 0.25f);
        BatchNormLoops loops(md, upper >= 0, upper, level);
        loops.statistics(bx.data(), mean.data(), var.data());
        loops.normalize(bx.data(), by.data(), mean.data(), var.data(), eps, gamma.data(), beta.data());
        loops.backward({bx.data(), bdy.data(), mean.data(), var.data(), eps, gamma.data(), bdx.data(), dgamma.data(),
                        dbeta.data(), /*accumulate=*/true});
        const std::vector<float> real = testing::reorder_floats(std::vector<float>(x.size(), 1.0f), plain, md);
        for (size_t i = 0; i < real.size(); ++i) {
          if (real[i] != 0.0f) continue;  // a real element (1)
          EXPECT_EQ(by[i], 0.0f) << what << ", output padding at " << i;
          EXPECT_EQ(bdx[i], 0.0f) << what << ", gradient padding at " << i;
        }
        expect_close(mean, r.mean, 1e-6, what + ", mean");
        expect_close(var, r.var, 1e-5, what + ", variance");
        expect_close(testing::reorder_floats(by, md, plain), r.y, 1e-5, what + ", output");
        expect_close(testing::reorder_floats(bdx, md, plain), r.dx, 1e-4, what + ", input gradient");
        for (int64_t ch = 0; ch < c; ++ch) dgamma[ch] -= 0.5f, dbeta[ch] -= 0.25f;  // accumulated onto these
        expect_close(dgamma, r.dgamma, 1e-5, what + ", gamma gradient");
        expect_close(dbeta, r.dbeta, 1e-5, what + ", beta gradient");
      }
    }
  }
  EXPECT_GE(levels, 2) << "every x86-64 CPU petal runs on has the baseline and AVX2";
}

}  // namespace
}  // namespace petal::detail
