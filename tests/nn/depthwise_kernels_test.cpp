// The normalised depthwise loops (src/nn/depthwise_kernels.h) against a
// reference in double, at every CPU level this machine has: blocks of 8 and
// 16 channels; strides 1 and 2; 'same' padding, the valid padding after a
// folded ZeroPadding2D, input rows and columns no window reaches (their
// gradient is 0), a 1x1 input; ReLU6 clipping at both ends, ReLU, no clamp;
// the output's sums per channel.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nn/depthwise_kernels.h"
#include "petal/core/rng.h"

namespace petal::detail {
namespace depthwise_kernels_test {  // named: the unity build joins anonymous namespaces

struct Geometry {
  std::string name;
  int64_t in_h, in_w, stride, pad_top, pad_left, out_h, out_w;
};

struct Clamp {
  std::string name;
  bool clamp;
  float upper;
};

struct Data {
  std::vector<float> x, w, scale, shift, dy, mean, inv;
};

Data random_data(const DepthwiseShape& s, uint64_t seed) {
  Rng rng(seed);
  const auto fill = [&](size_t n, double lo, double hi) {
    std::vector<float> v(n);
    for (auto& e : v) e = static_cast<float>(rng.uniform(lo, hi));
    return v;
  };
  const auto b = static_cast<size_t>(s.block);
  return {fill(static_cast<size_t>(s.in_h * s.in_w) * b, -3.0, 4.0), fill(9 * b, -1.0, 1.0), fill(b, 0.5, 2.5),
          fill(b, -1.0, 2.0), fill(static_cast<size_t>(s.out_h * s.out_w) * b, -1.0, 1.0), fill(b, -0.5, 0.5),
          fill(b, 0.5, 1.5)};
}

struct Reference {
  std::vector<double> y, g, dw, db, dg;
};

// The layer as written: y = conv(clamp(x * scale + shift)), and its gradients.
Reference reference(const DepthwiseShape& s, const Clamp& c, const Data& d) {
  const int64_t b = s.block;
  const auto pre = [&](int64_t ih, int64_t iw, int64_t ch) {
    return static_cast<double>(d.x[static_cast<size_t>((ih * s.in_w + iw) * b + ch)]) * d.scale[ch] + d.shift[ch];
  };
  const auto act = [&](double v) { return c.clamp ? std::min(std::max(v, 0.0), static_cast<double>(c.upper)) : v; };
  Reference r{std::vector<double>(static_cast<size_t>(s.out_h * s.out_w * b)),
              std::vector<double>(d.x.size()), std::vector<double>(9 * static_cast<size_t>(b)),
              std::vector<double>(static_cast<size_t>(b)), std::vector<double>(static_cast<size_t>(b))};
  std::vector<double> dact(d.x.size());
  for (int64_t oh = 0; oh < s.out_h; ++oh) {
    for (int64_t ow = 0; ow < s.out_w; ++ow) {
      for (int64_t ch = 0; ch < b; ++ch) {
        const auto o = static_cast<size_t>((oh * s.out_w + ow) * b + ch);
        for (int64_t k = 0; k < 9; ++k) {
          const int64_t ih = oh * s.stride - s.pad_top + k / 3, iw = ow * s.stride - s.pad_left + k % 3;
          if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
          const double w = d.w[static_cast<size_t>(k * b + ch)], a = act(pre(ih, iw, ch));
          r.y[o] += w * a;
          r.dw[static_cast<size_t>(k * b + ch)] += d.dy[o] * a;
          dact[static_cast<size_t>((ih * s.in_w + iw) * b + ch)] += w * d.dy[o];
        }
      }
    }
  }
  for (int64_t i = 0; i < s.in_h * s.in_w; ++i) {
    for (int64_t ch = 0; ch < b; ++ch) {
      const auto at = static_cast<size_t>(i * b + ch);
      const double v = pre(i / s.in_w, i % s.in_w, ch);
      const double g = !c.clamp || (v > 0 && v < c.upper) ? dact[at] : 0.0;
      r.g[at] = g;
      r.db[static_cast<size_t>(ch)] += g;
      r.dg[static_cast<size_t>(ch)] += g * (d.x[at] - d.mean[ch]) * d.inv[ch];
    }
  }
  return r;
}

template <typename T>
void expect_near_all(const std::vector<T>& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 2e-5 * (1.0 + std::abs(want[i]))) << what << " at " << i;
  }
}

TEST(DepthwiseKernels, ForwardAndBackwardMatchTheReferenceAtEveryLevel) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<Geometry> geometries{
      {"same, stride 1", 7, 9, 1, 1, 1, 7, 9},
      {"valid after a folded (0, 1) padding, stride 2", 8, 10, 2, 0, 0, 4, 5},
      {"same, stride 2, odd input", 9, 7, 2, 1, 1, 5, 4},
      {"valid, stride 2: the last row and column unread", 6, 6, 2, 0, 0, 2, 2},
      {"1x1 input, same", 1, 1, 1, 1, 1, 1, 1},
      {"3x3, same (MobileNetV2's last blocks)", 3, 3, 1, 1, 1, 3, 3}};
  const std::vector<Clamp> clamps{{"relu6", true, 6.0f}, {"relu", true, inf}, {"none", false, 0.0f}};
  for (const CpuLevel level : {CpuLevel::Baseline, CpuLevel::Avx2, CpuLevel::Avx512}) {
    if (!cpu_has(level)) continue;
    const DepthwiseKernels kernels(level);
    for (const int block : {8, 16}) {
      for (const Geometry& geo : geometries) {
        for (const Clamp& c : clamps) {
          const std::string what = level_name(level) + ", block " + std::to_string(block) + ", " + geo.name + ", " + c.name;
          const DepthwiseShape s{geo.in_h, geo.in_w, geo.out_h, geo.out_w, geo.stride, geo.pad_top, geo.pad_left, block};
          const Data d = random_data(s, static_cast<uint64_t>(block * 100 + geo.in_h * 10 + geo.in_w));
          const Reference want = reference(s, c, d);
          const ChannelAffine in{d.scale.data(), d.shift.data(), c.clamp, 0.0f, c.upper};
          std::vector<float> y(want.y.size(), std::nanf("")), g(d.x.size(), std::nanf("")), dw(want.dw.size(), 1.0f);
          std::vector<double> db(static_cast<size_t>(block), 2.0), dg(static_cast<size_t>(block), 3.0);
          std::vector<double> sum(static_cast<size_t>(block), 1.0), sq(static_cast<size_t>(block), 1.0);
          const ChannelSums sums{sum.data(), sq.data()};
          kernels.forward(s, in, d.w.data(), d.x.data(), y.data(), &sums);
          kernels.backward(s, in, d.w.data(), d.x.data(),
                           {d.dy.data(), nullptr, d.mean.data(), d.inv.data(), g.data(), dw.data(), db.data(), dg.data()});
          // dw and the sums are added into.
          for (auto& v : dw) v -= 1.0f;
          for (auto& v : db) v -= 2.0;
          for (auto& v : dg) v -= 3.0;
          expect_near_all(y, want.y, what + ": y");
          std::vector<double> want_sum(sum.size(), 1.0), want_sq(sq.size(), 1.0);  // added into
          for (size_t i = 0; i < want.y.size(); ++i) {
            want_sum[i % sum.size()] += want.y[i];
            want_sq[i % sq.size()] += want.y[i] * want.y[i];
          }
          expect_near_all(sum, want_sum, what + ": sum of y");
          expect_near_all(sq, want_sq, what + ": sum of y^2");
          expect_near_all(g, want.g, what + ": g");
          expect_near_all(dw, want.dw, what + ": dw");
          expect_near_all(db, want.db, what + ": db");
          expect_near_all(dg, want.dg, what + ": dg");
        }
      }
    }
  }
}

// With the batch norm after the convolution leaving its input gradient to it
// (OutputNorm): backward equals backward on that gradient made beforehand.
TEST(DepthwiseKernels, BackwardMakesTheFollowingBatchNormsInputGradient) {
  const Clamp relu6{"relu6", true, 6.0f};
  for (const CpuLevel level : {CpuLevel::Baseline, CpuLevel::Avx2, CpuLevel::Avx512}) {
    if (!cpu_has(level)) continue;
    const DepthwiseKernels kernels(level);
    for (const int block : {8, 16}) {
      for (const Geometry& geo : {Geometry{"same, stride 1", 7, 9, 1, 1, 1, 7, 9},
                                  Geometry{"same, stride 2, odd input", 9, 7, 2, 1, 1, 5, 4}}) {
        const std::string what = level_name(level) + ", block " + std::to_string(block) + ", " + geo.name;
        const DepthwiseShape s{geo.in_h, geo.in_w, geo.out_h, geo.out_w, geo.stride, geo.pad_top, geo.pad_left, block};
        Data d = random_data(s, static_cast<uint64_t>(block + geo.in_h));
        // The following batch norm: its input (this output), output gradient and terms.
        const Data next = random_data({geo.out_h, geo.out_w, geo.out_h, geo.out_w, 1, 0, 0, block}, 77);
        const std::vector<float>& out_x = next.x;  // as many values as the output, in [-3, 4]
        const std::vector<float> out_dy = random_data({geo.out_h, geo.out_w, geo.out_h, geo.out_w, 1, 0, 0, block}, 78).x;
        const auto b = static_cast<size_t>(block);
        for (size_t i = 0; i < out_x.size(); ++i) {  // the gradient the batch norm would have written
          const size_t ch = i % b;
          const float v = out_x[i] * next.scale[ch] + next.shift[ch];
          const float m = v > 0.0f && v < 6.0f ? out_dy[i] : 0.0f;
          d.dy[i] = next.w[ch] * m + next.mean[ch] + next.inv[ch] * (out_x[i] - next.dy[ch]);
        }
        const Reference want = reference(s, relu6, d);
        const ChannelAffine mask{next.scale.data(), next.shift.data(), true, 0.0f, 6.0f};
        const OutputNorm on{out_x.data(), out_dy.data(),
                            {next.w.data(), next.mean.data(), next.inv.data(), next.dy.data(), &mask}};
        const ChannelAffine in{d.scale.data(), d.shift.data(), true, 0.0f, 6.0f};
        std::vector<float> g(d.x.size()), dw(want.dw.size());
        std::vector<double> db(b), dg(b);
        kernels.backward(s, in, d.w.data(), d.x.data(),
                         {nullptr, &on, d.mean.data(), d.inv.data(), g.data(), dw.data(), db.data(), dg.data()});
        expect_near_all(g, want.g, what + ": g");
        expect_near_all(dw, want.dw, what + ": dw");
        expect_near_all(db, want.db, what + ": db");
        expect_near_all(dg, want.dg, what + ": dg");
      }
    }
  }
}

}  // namespace depthwise_kernels_test
}  // namespace petal::detail
