// petal's Winograd F(4x4, 3x3) convolution (src/nn/winograd_conv.h) against a
// direct convolution in double on the plain tensors: forward (with bias and a
// clamp), backward-data, backward-weights and the bias gradient, on odd sizes
// (partial tiles), "same", "valid" and uneven pads, several chunks, in
// channels-last, nChw8c and nChw16c, at every CPU level this machine has; and
// the forward pass with a 2x2 max pooling in its output transform.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "nn/winograd_conv.h"
#include "petal/core/rng.h"
#include "testing/dnnl_reorder.h"

namespace petal::detail {
namespace winograd_conv_test {

struct Case {
  int64_t n, c, k, h, w;
  int64_t pt, pb, pl, pr;
  int64_t out_h() const { return h + pt + pb - 2; }
  int64_t out_w() const { return w + pl + pr - 2; }
};

std::vector<float> random(int64_t count, Rng& rng) {
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

// Plain nchw data reordered by oneDNN into `tag`, and back.
std::vector<float> reorder(const std::vector<float>& from, const Dims& dims, Tag from_tag, Tag to_tag) {
  return testing::reorder_floats(from, memory::desc(dims, memory::data_type::f32, from_tag),
                                 memory::desc(dims, memory::data_type::f32, to_tag));
}

struct Reference {
  std::vector<double> y, dx, dw, db;
};

// x: [n, c, h, w], w: hwio [3, 3, c, k], dy: [n, k, oh, ow], all plain.
Reference reference(const Case& t, const std::vector<float>& x, const std::vector<float>& wt,
                    const std::vector<float>& bias, const std::vector<float>& dy, float hi) {
  const int64_t oh = t.out_h(), ow = t.out_w();
  Reference r;
  r.y.assign(static_cast<size_t>(t.n * t.k * oh * ow), 0);
  r.dx.assign(x.size(), 0);
  r.dw.assign(wt.size(), 0);
  r.db.assign(static_cast<size_t>(t.k), 0);
  const auto xi = [&](int64_t n, int64_t c, int64_t y, int64_t z) { return ((n * t.c + c) * t.h + y) * t.w + z; };
  const auto yi = [&](int64_t n, int64_t k, int64_t y, int64_t z) { return ((n * t.k + k) * oh + y) * ow + z; };
  const auto wi = [&](int64_t i, int64_t j, int64_t c, int64_t k) { return ((i * 3 + j) * t.c + c) * t.k + k; };
  for (int64_t n = 0; n < t.n; ++n) {
    for (int64_t k = 0; k < t.k; ++k) {
      for (int64_t y = 0; y < oh; ++y) {
        for (int64_t z = 0; z < ow; ++z) {
          double s = bias[k];
          const double g = dy[yi(n, k, y, z)];
          r.db[k] += g;
          for (int64_t c = 0; c < t.c; ++c) {
            for (int64_t i = 0; i < 3; ++i) {
              for (int64_t j = 0; j < 3; ++j) {
                const int64_t sy = y + i - t.pt, sz = z + j - t.pl;
                if (sy < 0 || sy >= t.h || sz < 0 || sz >= t.w) continue;
                s += static_cast<double>(x[xi(n, c, sy, sz)]) * wt[wi(i, j, c, k)];
                r.dx[xi(n, c, sy, sz)] += g * wt[wi(i, j, c, k)];
                r.dw[wi(i, j, c, k)] += g * x[xi(n, c, sy, sz)];
              }
            }
          }
          r.y[yi(n, k, y, z)] = std::clamp(s, 0.0, static_cast<double>(hi));
        }
      }
    }
  }
  return r;
}

// max |got - want| / max(1, max |want|).
double relative_error(const std::vector<float>& got, const std::vector<double>& want) {
  double err = 0, scale = 1;
  for (size_t i = 0; i < want.size(); ++i) {
    err = std::max(err, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return err / scale;
}

// 2x2 max pooling, stride 2, of plain [n, c, h, w] (an odd last row or column dropped).
std::vector<double> max_pooled(const std::vector<double>& y, const Dims& d) {
  const int64_t h = d[2], w = d[3], oh = h / 2, ow = w / 2;
  std::vector<double> out(static_cast<size_t>(d[0] * d[1] * oh * ow));
  for (int64_t nc = 0; nc < d[0] * d[1]; ++nc) {
    for (int64_t i = 0; i < oh; ++i) {
      for (int64_t j = 0; j < ow; ++j) {
        double m = -INFINITY;
        for (int64_t a = 0; a < 2; ++a) {
          for (int64_t b = 0; b < 2; ++b) m = std::max(m, y[static_cast<size_t>((nc * h + 2 * i + a) * w + 2 * j + b)]);
        }
        out[static_cast<size_t>((nc * oh + i) * ow + j)] = m;
      }
    }
  }
  return out;
}

// The forward pass with a 2x2 max pooling in the output transform, into an
// output of half the size: x (in `tag`), the kernel and bias as check()'s.
void check_pooled(const Case& t, Tag tag, CpuLevel level, const ActivationView& xv, const std::vector<float>& xb,
                  const std::vector<float>& wt, const std::vector<float>& bias, float hi,
                  const std::vector<double>& ref_y) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const Dims pd{t.n, t.k, t.out_h() / 2, t.out_w() / 2};
  const memory::desc pmd(pd, memory::data_type::f32, tag);
  ScratchpadPool pool(engine);
  WinogradConv conv({t.n, t.c, t.k, t.h, t.w, t.out_h(), t.out_w(), t.pt, t.pl}, xv, *activation_view(pmd), engine,
                    false, pool, level);
  pool.finalize();
  std::vector<float> pb(pmd.get_size() / 4);
  conv.forward(xb.data(), wt.data(), nullptr, pb.data(),
               TileOutput{.bias = bias.data(), .clamp = true, .lo = 0.0f, .hi = hi, .pool = true});
  EXPECT_LT(relative_error(reorder(pb, pd, tag, Tag::nchw), max_pooled(ref_y, {t.n, t.k, t.out_h(), t.out_w()})),
            2e-5);
}

void check(const Case& t, Tag tag, CpuLevel level) {
  SCOPED_TRACE(::testing::Message() << "level " << level_name(level) << ", layout " << static_cast<int>(tag) << ", "
                                    << t.n << "x" << t.c << "x" << t.h << "x" << t.w << " -> " << t.k
                                    << ", pads " << t.pt << t.pb << t.pl << t.pr);
  Rng rng(7);
  const std::vector<float> x = random(t.n * t.c * t.h * t.w, rng), wt = random(9 * t.c * t.k, rng),
                           bias = random(t.k, rng), dy = random(t.n * t.k * t.out_h() * t.out_w(), rng);
  const float hi = 6.0f;
  const Reference ref = reference(t, x, wt, bias, dy, hi);

  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const Dims xd{t.n, t.c, t.h, t.w}, yd{t.n, t.k, t.out_h(), t.out_w()};
  const memory::desc xmd(xd, memory::data_type::f32, tag), ymd(yd, memory::data_type::f32, tag);
  const auto xv = activation_view(xmd), yv = activation_view(ymd);
  ASSERT_TRUE(xv && yv);
  ScratchpadPool pool(engine);
  const WinogradShape shape{t.n, t.c, t.k, t.h, t.w, t.out_h(), t.out_w(), t.pt, t.pl};
  WinogradConv conv(shape, *xv, *yv, engine, true, pool, level);
  pool.finalize();

  const std::vector<float> xb = reorder(x, xd, Tag::nchw, tag), dyb = reorder(dy, yd, Tag::nchw, tag);
  std::vector<float> yb(ymd.get_size() / 4), dxb(xmd.get_size() / 4), dw(wt.size()), db(bias.size());
  conv.forward(xb.data(), wt.data(), nullptr, yb.data(),
               TileOutput{.bias = bias.data(), .clamp = true, .lo = 0.0f, .hi = hi});
  conv.backward_data(dyb.data(), wt.data(), dxb.data());
  conv.backward_weights(xb.data(), dyb.data(), dw.data(), db.data());

  // F(4x4, 3x3) in float: about 1e-6 of the largest value here.
  EXPECT_LT(relative_error(reorder(yb, yd, tag, Tag::nchw), ref.y), 2e-5);
  EXPECT_LT(relative_error(reorder(dxb, xd, tag, Tag::nchw), ref.dx), 2e-5);
  EXPECT_LT(relative_error(dw, ref.dw), 2e-5);
  EXPECT_LT(relative_error(db, ref.db), 1e-6);
  check_pooled(t, tag, level, *xv, xb, wt, bias, hi, ref.y);
}

std::vector<CpuLevel> levels() {
  std::vector<CpuLevel> out;
  for (CpuLevel l : {CpuLevel::Baseline, CpuLevel::Avx2, CpuLevel::Avx512}) {
    if (cpu_has(l)) out.push_back(l);
  }
  return out;
}

TEST(WinogradConv, MatchesDirectConvolutionInEveryLayoutAndLevel) {
  const std::vector<Case> cases = {
      {2, 16, 24, 7, 9, 1, 1, 1, 1},   // "same", partial tiles
      {2, 16, 16, 10, 6, 0, 0, 0, 0},  // "valid"
      {1, 32, 16, 9, 7, 2, 0, 1, 2},   // uneven pads (a folded ZeroPadding2D)
  };
  for (CpuLevel level : levels()) {
    for (Tag tag : {Tag::nhwc, Tag::nChw8c, Tag::nChw16c}) {
      for (const Case& t : cases) {
        // 24 channels do not fill 16-channel blocks (activation_view declines those).
        if (tag != Tag::nChw16c || (t.c % 16 == 0 && t.k % 16 == 0)) check(t, tag, level);
      }
    }
  }
}

TEST(WinogradConv, ManyChunksAddUpTheKernelGradient) {
  // 8 x 17 x 17 tiles of 16 + 16 channels: over four chunks, the last partial.
  check({8, 16, 16, 66, 66, 1, 1, 1, 1}, Tag::nChw16c, cpu_level());
}

TEST(WinogradConv, TakesOnlyLayoutsWithWholeChannelVectors) {
  const auto md = [](int64_t c, Tag tag) { return memory::desc({2, c, 5, 5}, memory::data_type::f32, tag); };
  EXPECT_TRUE(activation_view(md(16, Tag::nhwc)));
  EXPECT_TRUE(activation_view(md(8, Tag::nChw8c)));
  EXPECT_FALSE(activation_view(md(16, Tag::nchw)));      // one channel per vector lane group: no
  EXPECT_FALSE(activation_view(md(12, Tag::nhwc)));      // not a multiple of 8
  EXPECT_FALSE(activation_view(md(24, Tag::nChw16c)));   // padded block
  EXPECT_FALSE(activation_view(md(16, Tag::nChw4c)));    // 4-channel blocks
}

}  // namespace winograd_conv_test
}  // namespace petal::detail
