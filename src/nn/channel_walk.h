// A tensor in a oneDNN layout with at most one inner block, on the channels
// (nc, nwc, nchw, nhwc, nChw8c, nChw16c, ... and strided views of them), walked
// per channel block as runs of rows: a row holds the block's channels at
// consecutive addresses, rows lie `stride` floats apart.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "runtime/dnnl_utils.h"

namespace petal::detail {

// Widest inner channel block walked (oneDNN's blocked layouts use 4, 8 or 16).
inline constexpr int64_t kMaxChannelBlock = 64;

struct RowRun {
  int64_t offset;  // first element
  int64_t rows, stride;
  int64_t images = 1, image_stride = 0;  // the rows repeated for consecutive images
};

class ChannelWalk {
 public:
  static bool supported(const memory::desc& md);
  explicit ChannelWalk(const memory::desc& md);

  int64_t channels() const { return c_; }
  int64_t block() const { return block_; }
  int64_t blocks() const { return (c_ + block_ - 1) / block_; }
  int channels_in(int64_t cb) const { return static_cast<int>(std::min(block_, c_ - cb * block_)); }
  int64_t positions() const { return n_ * height_ * width_; }  // values per channel
  // Batch-sum partial results: the batch is cut into parts() slices of whole
  // images, at most 64, each of a few hundred rows or more (one image each when
  // images are that large): fixed by the shape, not by the thread count, so
  // that sums do not depend on it.
  int64_t parts() const { return parts_; }

  // fn(cb, part, first image, end image) for every channel block and batch part, in parallel.
  template <typename Fn>
  void for_each_part(Fn&& fn) const {
    parallel_parts(
        [](void* f, int64_t cb, int64_t part, int64_t n0, int64_t n1) {
          (*static_cast<std::remove_reference_t<Fn>*>(f))(cb, part, n0, n1);
        },
        &fn);
  }

  // Writes zeros into the padded channels of block cb's rows in images [n0, n1)
  // (a last, partial block): oneDNN's blocked layouts want zeros there, and its
  // primitives write them; so do petal's loops into the tensors they write.
  void zero_padding(float* data, int64_t cb, int64_t n0, int64_t n1) const {
    const int width = channels_in(cb);
    if (width == block_) return;
    runs(cb, n0, n1, [&](const RowRun& run) {
      for (int64_t i = 0; i < run.images; ++i) {
        for (int64_t r = 0; r < run.rows; ++r) {
          float* row = data + run.offset + i * run.image_stride + r * run.stride;
          std::fill(row + width, row + block_, 0.0f);
        }
      }
    });
  }

  // fn(RowRun) for the rows of block cb in images [n0, n1): one run over all
  // of them where an image's rows are evenly spaced.
  template <typename Fn>
  void runs(int64_t cb, int64_t n0, int64_t n1, Fn fn) const {
    const int64_t base = n0 * stride_n_ + cb * stride_cb_;
    if (merged_) return fn(RowRun{base, height_ * width_, stride_w_, n1 - n0, stride_n_});
    for (int64_t n = n0; n < n1; ++n) {
      for (int64_t h = 0; h < height_; ++h) fn(RowRun{base + (n - n0) * stride_n_ + h * stride_h_, width_, stride_w_});
    }
  }

 private:
  // The OpenMP loop behind for_each_part (in the .cpp: headers stay free of pragmas).
  void parallel_parts(void (*call)(void*, int64_t, int64_t, int64_t, int64_t), void* fn) const;

  int64_t n_ = 0, c_ = 0, block_ = 1, height_ = 1, width_ = 1;
  int64_t stride_n_ = 0, stride_cb_ = 0, stride_h_ = 0, stride_w_ = 0;
  bool merged_ = false;  // rows of all heights evenly spaced: one run per image
  int64_t parts_ = 1;
};

}  // namespace petal::detail
