// The transforms of Winograd's F(4x4, 3x3) convolution (Lavin and Gray, 2016;
// points 0, 1, -1, 2, -2, infinity): each 4x4 output tile comes from a 6x6
// input window as y = A^T [(G g G^T) . (B^T d B)] A, 36 products per tile and
// channel pair instead of direct convolution's 144. The products are 36 matrix
// products over the channels (winograd_conv.h); these loops move tiles in and
// out of that form, eight channels at a time, compiled for AVX-512, AVX2 and
// the baseline like channel_kernels.h. oneDNN has a Winograd kernel only for
// AVX-512 CPUs (and only the forward pass outside training on newer versions).
#pragma once

#include <cstdint>

#include "runtime/cpu_level.h"

namespace petal::detail {

inline constexpr int kWinoWindow = 6;   // input window side
inline constexpr int kWinoTile = 4;     // output tile side
inline constexpr int kWinoPoints = 36;  // products per tile

// An activation tensor whose channels lie in blocks of `block` floats (a
// multiple of 8: nChw8c, nChw16c, or nhwc with block = channels): element
// (n, c, h, w) at n * n_stride + (c / block) * block_stride + h * row_stride +
// w * col_stride + c % block.
struct ActivationView {
  int64_t channels = 0, height = 0, width = 0;
  int64_t block = 0, n_stride = 0, block_stride = 0, row_stride = 0, col_stride = 0;
  int64_t at(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return n * n_stride + (c / block) * block_stride + h * row_stride + w * col_stride + c % block;
  }
};

// The output tiles over the batch, tile t = (image, row, col) in that order;
// the input window of tile (row, col) starts at input row 4 * row - pad_top,
// column 4 * col - pad_left. Pads may be negative (a window starting inside).
struct TileGrid {
  int64_t images = 0, rows = 0, cols = 0;
  int64_t pad_top = 0, pad_left = 0;
  int64_t count() const { return images * rows * cols; }
};

// Floats between two points' matrices of a chunk of `tiles` tiles: the matrix
// and one cache line more, so that the 36 values of a tile do not share cache
// sets (their distance would otherwise often be a multiple of 4 KiB).
inline int64_t point_stride(int64_t tiles, int64_t channels) { return tiles * channels + 16; }

// Transformed tiles [t0, t1) of `channels` channels: point p of tile t, channel
// c at p * point_stride(t1 - t0, channels) + (t - t0) * channels + c (36
// row-major matrices, one tile per row).
struct TileChunk {
  float* data = nullptr;
  int64_t t0 = 0, t1 = 0, channels = 0;
};

// What the output transform adds, clamps and scales: y = clamp(y + bias (+ the
// value already in the output, with `sum`), lo, hi) * scale + shift; with
// `pool`, the maximum of each 2x2 block of y (stride 2) is written instead, into
// an output of half the size (rounded down; not with `sum`).
struct TileOutput {
  const float* bias = nullptr;  // null: none
  bool sum = false;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
  const float* scale = nullptr;  // per channel, with shift; null: none
  const float* shift = nullptr;
  bool pool = false;
};

// The tiles [t0, t1) (inside the chunk's) and channel vectors [v0, v1) (eight
// channels each) one call transforms.
struct TileRange {
  int64_t t0 = 0, t1 = 0, v0 = 0, v1 = 0;
};

class WinogradTiles {
 public:
  explicit WinogradTiles(CpuLevel level);

  // V = B^T d B of the input windows of `src` (zero outside the image).
  void input(const float* src, const ActivationView& view, const TileGrid& grid, const TileChunk& out,
             const TileRange& r) const;
  // y = A^T m A (then bias and clamp) into `dst` where the output exists (the
  // grid's output, or half of it with how.pool: `view` is dst's).
  void output(const TileChunk& m, const TileGrid& grid, const TileOutput& how, float* dst, const ActivationView& view,
              const TileRange& r) const;
  // Z = A dy A^T of the output gradient (zero outside the output); with
  // bias_grad, adds each channel's sum of dy over the range's tiles to it.
  void gradient(const float* dy, const ActivationView& view, const TileGrid& grid, const TileChunk& out,
                double* bias_grad, const TileRange& r) const;

  // u[p][c][k] = (G g G^T)[p] of each 3x3 kernel g[i][j] = hwio[i][j][c][k]
  // (`flip`: hwio[2 - i][2 - j], the kernel of the backward-data convolution),
  // times scale[k] when given (a folded batch norm). Output channels k in
  // [k0, k1), multiples of 8.
  void kernel(const float* hwio, const float* scale, int64_t in, int64_t out, bool flip, float* u, int64_t k0,
              int64_t k1) const;
  // hwio_grad[i][j][c][k] = (G^T du G)[i][j], du as kernel()'s u.
  void kernel_grad(const float* du, int64_t in, int64_t out, float* hwio_grad, int64_t k0, int64_t k1) const;

  // One call, as the entry point of a level takes it (winograd_tiles.cpp).
  struct Call;

 private:
  void (*run_)(const Call&);
};

}  // namespace petal::detail
