// A 3x3, stride-1, ungrouped convolution by Winograd's F(4x4, 3x3), forward,
// backward-data and backward-weights: tiles transformed by petal's loops
// (winograd_tiles.h), the 36 products per tile as oneDNN batched matrix
// products over the channels.
//   forward:  M[p] = V[p] U[p]      V: [36, tiles, in], U: [36, in, out]
//   backward-data: the forward of dy with the flipped kernel (pads 2 - pad)
//   backward-weights: dU[p] = sum over tiles of V[p]^T Z[p], Z: [36, tiles, out]
// Each thread takes whole chunks of tiles (chunk i on thread i mod threads)
// through transform, product and back transform on its own: the transformed
// tiles stay in that core's cache, and no thread waits for another inside a
// pass. Backward-weights sums each thread's dU, then adds them in thread order.
// Every buffer lives in the plan's shared scratchpad (nothing outlives a call).
#pragma once

#include <optional>
#include <vector>

#include "nn/winograd_tiles.h"
#include "runtime/dnnl_utils.h"

namespace petal::detail {

struct WinogradShape {
  int64_t batch = 0, in = 0, out = 0;  // channels in and out, multiples of 8
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t pad_top = 0, pad_left = 0;
};

// The view of an activation layout whose channels come in blocks of a multiple
// of 8 (nChw8c, nChw16c without padding, or channels-last); nullopt for others.
std::optional<ActivationView> activation_view(const memory::desc& md);

class WinogradConv {
 public:
  // src, dst: views of the input and output; backward: also build the backward
  // passes; level: the transforms' CPU level (tests try each one the CPU has).
  // The scratchpad pool must be finalized before the first call.
  WinogradConv(const WinogradShape& shape, const ActivationView& src, const ActivationView& dst,
               const dnnl::engine& engine, bool backward, ScratchpadPool& pool, CpuLevel level = cpu_level());

  // hwio: the kernel [3][3][in][out], times kernel_scale[out] when given (a
  // folded batch norm); how: what the output transform adds and clamps.
  void forward(const float* src, const float* hwio, const float* kernel_scale, float* dst, const TileOutput& how);
  // dx: the input's gradient (src's layout) from dy (dst's layout).
  void backward_data(const float* dy, const float* hwio, float* dx);
  // Overwrites hwio_grad and (when not null) bias_grad.
  void backward_weights(const float* src, const float* dy, float* hwio_grad, float* bias_grad);

 private:
  // 36 matrices at `offset` bytes into the scratchpad, row-major ([rows, cols],
  // or [cols, rows] when transposed), `batch` floats apart.
  struct Matrices {
    size_t offset;
    int64_t batch;
    bool transposed = false;
  };
  // One thread's buffers and products.
  struct Lane {
    dnnl::stream stream;
    memory a, b, du;  // tiles in, tiles out, and its share of backward-weights' dU
    Op fwd[2], bwd_data[2], bwd_w[2][2];  // [full chunk, last chunk] ([first, adding])
    std::vector<double> bias_sums;
    bool wrote_du = false;
  };
  // 36 products C[p] (+)= A[p] B[p], A: [m, k], B: [k, n], C: [m, n]; the
  // matmul's own scratchpad at scratch_offset, its bytes added to scratch_bytes.
  Op product(int64_t m, int64_t k, int64_t n, const Matrices& a, const Matrices& b, const Matrices& c,
             bool accumulate, size_t scratch_offset, size_t& scratch_bytes) const;
  // fn(lane, t0, t1) for every chunk of `count` tiles, each on its thread.
  template <typename Fn>
  void for_chunks(int64_t count, Fn&& fn);
  // fn(range) here (a lane's thread), or split between the threads when shared_.
  template <typename Fn>
  void each(const TileRange& r, bool by_vectors, const Fn& fn) const;
  void transform_kernel(const float* hwio, const float* scale, bool flip);
  float* data(const memory& m) const { return static_cast<float*>(m.get_data_handle()); }

  WinogradShape shape_;
  ActivationView src_, dst_;
  dnnl::engine engine_;
  ScratchpadPool& pool_;
  WinogradTiles tiles_;
  TileGrid fwd_grid_, bwd_grid_;
  int64_t chunk_ = 0;  // tiles per chunk
  bool shared_ = false;  // few tiles: one chunk of all, split between the threads
  memory u_;           // kernel points [36, in, out] (forward: U; backward-data: flipped)
  std::vector<Lane> lanes_;
};

}  // namespace petal::detail
