// Affine warps of HWC float images with scipy.ndimage.affine_transform's semantics
// (scipy 1.10, order 0 or 1), and Keras's composition of rotate/shift/shear/zoom.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace petal {

// How a warp fills output pixels whose source lies outside the image. The
// names and behaviour are scipy.ndimage's (which Keras passes straight through);
// shown for the row a b c d:
//   Constant  k k k k | a b c d | k k k k   (k = cval; a source coordinate outside
//             [0, n-1] on either axis gives exactly cval: no blending with cval)
//   Nearest   a a a a | a b c d | d d d d
//   Reflect   d c b a | a b c d | d c b a   (half-sample symmetric, period 2n)
//   Wrap      scipy's legacy 'wrap': period n-1, not n. A coordinate x < 0 maps
//             to x + (n-1)*(trunc(-x/(n-1)) + 1), one > n-1 to x - (n-1)*trunc(x/(n-1)),
//             then interpolates inside the image. So the first and last columns
//             meet: -0.25 samples between c and d, 3.25 (n=4) between a and b.
//             (scipy's 'grid-wrap', period n, is a different mode and not offered.)
enum class FillMode { Constant, Nearest, Reflect, Wrap };

// "constant" | "nearest" | "reflect" | "wrap"; anything else throws ConfigError.
FillMode parse_fill_mode(std::string_view name);
std::string_view to_string(FillMode mode);

// Where Keras centres rotation, shear and zoom. Released keras-preprocessing
// (1.0.x used by Keras 2.2.4, and 1.1.0-1.1.2 used by TF 2.x) computes
// o = size/2 + 0.5, half a pixel past the last pixel centre's midpoint and one
// pixel away from the true centre (size-1)/2. keras-preprocessing PR #314
// (2020-10-28, after the last release) changed it to size/2 - 0.5.
enum class AffineCenter {
  KerasReleased,  // o_row = h/2 + 0.5, o_col = w/2 + 0.5 (what Keras users ran)
  PixelCenter,    // o_row = h/2 - 0.5, o_col = w/2 - 0.5 (true centre)
};

// A pull-back map from OUTPUT (row, col) to INPUT (row, col), as
// scipy.ndimage.affine_transform takes it:
//   in_row = m[0][0]*row + m[0][1]*col + m[0][2]
//   in_col = m[1][0]*row + m[1][1]*col + m[1][2]
struct AffineMap {
  double m[2][3] = {{1, 0, 0}, {0, 1, 0}};
};

// Keras apply_affine_transform's matrix for an h x w image (rows x cols), in
// (row, col) coordinates as released keras-preprocessing builds it:
//   M = R(theta) . T(tx, ty) . Sh(shear) . Z(zx, zy), each factor only if it is
//   not the identity; then Off . M . Off^-1 with Off = translate(o_row, o_col).
//   R  = [[cos, -sin, 0], [sin, cos, 0]]      theta in degrees
//   T  = [[1, 0, tx], [0, 1, ty]]            tx moves rows, ty moves columns
//   Sh = [[1, -sin(s), 0], [0, cos(s), 0]]   s in degrees
//   Z  = [[zx, 0, 0], [0, zy, 0]]            zx scales rows, zy columns
// Returns nullopt when every factor is the identity: Keras then leaves the
// image untouched (no interpolation at all).
std::optional<AffineMap> keras_affine_map(double theta_deg, double tx, double ty,
                                          double shear_deg, double zx, double zy,
                                          int64_t h, int64_t w,
                                          AffineCenter center = AffineCenter::KerasReleased);

struct WarpOptions {
  FillMode fill_mode = FillMode::Nearest;
  float cval = 0.0f;
  int order = 1;  // 0 (nearest neighbour) or 1 (bilinear), as scipy's `order`
};

// out[r, c, k] = the interpolated value of channel k of `in` at map(r, c), for
// `in` and `out` both [h, w, channels] row-major and not overlapping. Each
// channel is warped as scipy.ndimage.affine_transform(in[..., k], m[:, :2],
// m[:, 2], order, mode, cval) does it, arithmetic in double and rounded to
// float at the end like scipy's float32 output.
void affine_warp(std::span<const float> in, std::span<float> out, int64_t h, int64_t w,
                 int64_t channels, const AffineMap& map, const WarpOptions& options = {});

}  // namespace petal
