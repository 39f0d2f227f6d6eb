// scipy.ndimage.affine_transform (order 0/1) on HWC float images, and Keras's
// transform matrix. The border rules were checked against scipy 1.10.1 point by point.
#include "petal/data/affine.h"

#include <array>
#include <cmath>
#include <string>

#include "petal/core/error.h"

namespace petal {

namespace {

using Mat3 = std::array<std::array<double, 3>, 3>;

// Plain row-by-column product, summing k = 0, 1, 2 in order (as a naive np.dot).
Mat3 dot(const Mat3& a, const Mat3& b) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = a[i][0] * b[0][j];
      s += a[i][1] * b[1][j];
      s += a[i][2] * b[2][j];
      r[i][j] = s;
    }
  return r;
}

// scipy's map_coordinate for mode 'reflect' (ni_interpolation.c), which folds a
// coordinate outside [0, len-1] into [-1, len) before the filter indices are
// themselves reflected. Order-0 ties at x.5 depend on folding first.
double reflect_coordinate(double in, int64_t len) {
  if (in >= 0 && in <= static_cast<double>(len - 1)) return in;
  if (len <= 1) return 0.0;
  const int64_t sz2 = 2 * len;
  const double dsz2 = static_cast<double>(sz2);
  if (in < 0) {
    if (in < -dsz2) in = static_cast<double>(sz2 * static_cast<int64_t>(-in / dsz2)) + in;
    return in < -static_cast<double>(len) ? in + dsz2 : -in - 1;
  }
  in -= static_cast<double>(sz2 * static_cast<int64_t>(in / dsz2));
  if (in >= static_cast<double>(len)) in = dsz2 - in - 1;
  return in;
}

// scipy's legacy 'wrap' (period len - 1).
double wrap_coordinate(double in, int64_t len) {
  if (in >= 0 && in <= static_cast<double>(len - 1)) return in;
  if (len <= 1) return 0.0;
  const int64_t sz = len - 1;
  const double dsz = static_cast<double>(sz);
  if (in < 0) return in + static_cast<double>(sz * (static_cast<int64_t>(-in / dsz) + 1));
  return in - static_cast<double>(sz * static_cast<int64_t>(in / dsz));
}

int64_t reflect_index(int64_t i, int64_t len) {
  if (len <= 1) return 0;
  const int64_t period = 2 * len;
  i %= period;
  if (i < 0) i += period;
  return i < len ? i : period - 1 - i;
}

// The source samples along one axis: indices i0, i1 with weights w0, w1
// (order 0 uses i0 only).
struct Taps {
  int64_t i0 = 0, i1 = 0;
  double w0 = 1.0, w1 = 0.0;
};

// Returns false when the output pixel takes cval (mode Constant, outside).
bool axis_taps(double c, int64_t len, FillMode mode, int order, Taps& t) {
  const double last = static_cast<double>(len - 1);
  switch (mode) {
    case FillMode::Constant:
      if (c < 0 || c > last) return false;
      break;
    case FillMode::Nearest:
      c = c < 0 ? 0.0 : (c > last ? last : c);
      break;
    case FillMode::Reflect:
      c = reflect_coordinate(c, len);
      break;
    case FillMode::Wrap:
      c = wrap_coordinate(c, len);
      break;
  }
  // After mapping only Reflect can leave [0, len-1] (by less than one pixel);
  // elsewhere i1 == len only when c == len-1 exactly, where w1 == 0.
  auto fix = [&](int64_t i) {
    if (mode == FillMode::Reflect) return reflect_index(i, len);
    return i < 0 ? int64_t{0} : (i >= len ? len - 1 : i);
  };
  if (order == 0) {
    t.i0 = fix(static_cast<int64_t>(std::floor(c + 0.5)));
    return true;
  }
  const double fl = std::floor(c);
  const double f = c - fl;
  t.w0 = 1.0 - f;  // scipy's spline weights: w0 = 1 - f, then w1 = 1 - w0
  t.w1 = 1.0 - t.w0;
  t.i0 = fix(static_cast<int64_t>(fl));
  t.i1 = fix(static_cast<int64_t>(fl) + 1);
  return true;
}

// scipy accumulates (value * w_row) * w_col over taps (0,0), (0,1), (1,0), (1,1).
inline void bilinear(const float* p00, const float* p01, const float* p10, const float* p11,
                     double wr0, double wr1, double wc0, double wc1, int64_t channels,
                     float* o) {
  for (int64_t k = 0; k < channels; ++k) {
    double t = 0.0;
    t += static_cast<double>(p00[k]) * wr0 * wc0;
    t += static_cast<double>(p01[k]) * wr0 * wc1;
    t += static_cast<double>(p10[k]) * wr1 * wc0;
    t += static_cast<double>(p11[k]) * wr1 * wc1;
    o[k] = static_cast<float>(t);
  }
}

void warp_pixel_slow(const float* in, int64_t h, int64_t w, int64_t ch, double in_r, double in_c,
                     const WarpOptions& opt, float* o) {
  Taps tr, tc;
  if (!axis_taps(in_r, h, opt.fill_mode, opt.order, tr) ||
      !axis_taps(in_c, w, opt.fill_mode, opt.order, tc)) {
    for (int64_t k = 0; k < ch; ++k) o[k] = opt.cval;
    return;
  }
  auto px = [&](int64_t r, int64_t c) { return in + (r * w + c) * ch; };
  if (opt.order == 0) {
    const float* p = px(tr.i0, tc.i0);
    for (int64_t k = 0; k < ch; ++k) o[k] = p[k];
    return;
  }
  bilinear(px(tr.i0, tc.i0), px(tr.i0, tc.i1), px(tr.i1, tc.i0), px(tr.i1, tc.i1), tr.w0, tr.w1,
           tc.w0, tc.w1, ch, o);
}

}  // namespace

FillMode parse_fill_mode(std::string_view name) {
  if (name == "constant") return FillMode::Constant;
  if (name == "nearest") return FillMode::Nearest;
  if (name == "reflect") return FillMode::Reflect;
  if (name == "wrap") return FillMode::Wrap;
  throw ConfigError("ImageDataGenerator: fill_mode must be one of 'constant', 'nearest', "
                    "'reflect', 'wrap'; received '" + std::string(name) + "'.");
}

std::string_view to_string(FillMode mode) {
  switch (mode) {
    case FillMode::Constant: return "constant";
    case FillMode::Nearest: return "nearest";
    case FillMode::Reflect: return "reflect";
    case FillMode::Wrap: return "wrap";
  }
  return "?";
}

std::optional<AffineMap> keras_affine_map(double theta_deg, double tx, double ty,
                                          double shear_deg, double zx, double zy, int64_t h,
                                          int64_t w, AffineCenter center) {
  for (double v : {theta_deg, tx, ty, shear_deg, zx, zy})
    if (!std::isfinite(v))
      throw ConfigError("keras_affine_map: transform parameters must be finite; received theta=" +
                        std::to_string(theta_deg) + ", tx=" + std::to_string(tx) +
                        ", ty=" + std::to_string(ty) + ", shear=" + std::to_string(shear_deg) +
                        ", zx=" + std::to_string(zx) + ", zy=" + std::to_string(zy) + ".");
  std::optional<Mat3> m;
  auto then = [&](const Mat3& f) { m = m ? dot(*m, f) : f; };
  constexpr double kDeg2Rad = M_PI / 180.0;  // np.deg2rad
  if (theta_deg != 0) {
    const double t = theta_deg * kDeg2Rad;
    then({{{std::cos(t), -std::sin(t), 0}, {std::sin(t), std::cos(t), 0}, {0, 0, 1}}});
  }
  if (tx != 0 || ty != 0) then({{{1, 0, tx}, {0, 1, ty}, {0, 0, 1}}});
  if (shear_deg != 0) {
    const double s = shear_deg * kDeg2Rad;
    then({{{1, -std::sin(s), 0}, {0, std::cos(s), 0}, {0, 0, 1}}});
  }
  if (zx != 1 || zy != 1) then({{{zx, 0, 0}, {0, zy, 0}, {0, 0, 1}}});
  if (!m) return std::nullopt;

  const double half = center == AffineCenter::KerasReleased ? 0.5 : -0.5;
  const double o_r = static_cast<double>(h) / 2 + half;
  const double o_c = static_cast<double>(w) / 2 + half;
  const Mat3 offset{{{1, 0, o_r}, {0, 1, o_c}, {0, 0, 1}}};
  const Mat3 reset{{{1, 0, -o_r}, {0, 1, -o_c}, {0, 0, 1}}};
  const Mat3 full = dot(dot(offset, *m), reset);
  AffineMap map;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) map.m[i][j] = full[i][j];
  return map;
}

void affine_warp(std::span<const float> in, std::span<float> out, int64_t h, int64_t w,
                 int64_t channels, const AffineMap& map, const WarpOptions& opt) {
  const int64_t n = h * w * channels;
  if (h < 0 || w < 0 || channels < 0 || static_cast<int64_t>(in.size()) != n ||
      static_cast<int64_t>(out.size()) != n)
    throw ShapeError("affine_warp: expected input and output of " + std::to_string(n) +
                     " floats for [" + std::to_string(h) + ", " + std::to_string(w) + ", " +
                     std::to_string(channels) + "]; received " + std::to_string(in.size()) +
                     " and " + std::to_string(out.size()) + ".");
  if (opt.order != 0 && opt.order != 1)
    throw ConfigError("affine_warp: order must be 0 or 1; received " + std::to_string(opt.order) +
                      ".");
  const double(*m)[3] = map.m;
  const double last_r = static_cast<double>(h - 1), last_c = static_cast<double>(w - 1);
  const float* src = in.data();
  for (int64_t r = 0; r < h; ++r) {
    const double dr = static_cast<double>(r);
    for (int64_t c = 0; c < w; ++c) {
      const double dc = static_cast<double>(c);
      // Same operation order as scipy's geometric transform loop.
      const double in_r = dr * m[0][0] + dc * m[0][1] + m[0][2];
      const double in_c = dr * m[1][0] + dc * m[1][1] + m[1][2];
      float* o = out.data() + (r * w + c) * channels;
      if (opt.order == 1 && in_r >= 0 && in_r < last_r && in_c >= 0 && in_c < last_c) {
        const int64_t r0 = static_cast<int64_t>(in_r), c0 = static_cast<int64_t>(in_c);
        const double wr0 = 1.0 - (in_r - static_cast<double>(r0));
        const double wc0 = 1.0 - (in_c - static_cast<double>(c0));
        const float* p = src + (r0 * w + c0) * channels;
        bilinear(p, p + channels, p + w * channels, p + (w + 1) * channels, wr0, 1.0 - wr0, wc0,
                 1.0 - wc0, channels, o);
      } else {
        warp_pixel_slow(src, h, w, channels, in_r, in_c, opt, o);
      }
    }
  }
}

}  // namespace petal
