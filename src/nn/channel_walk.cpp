// Channel-block walks over oneDNN layouts (see channel_walk.h).
#include "nn/channel_walk.h"

namespace petal::detail {

namespace {

// Parts a batch sum is cut into at most: one image per part up to this batch
// size (reading cold tensors image by image, below), then the partial sums
// (two doubles per channel and part) stay bounded.
constexpr int64_t kMaxParts = 64;
// Rows a part holds at least, in whole images: a part's sums end in a
// reduction per channel that costs as much as reading ~100 rows, so small
// images (MobileNetV2's 6x6 and 3x3 blocks) go several to a part.
constexpr int64_t kMinPartRows = 256;

}  // namespace

bool ChannelWalk::supported(const memory::desc& md) {
  const auto& d = md.data;
  if (d.format_kind != dnnl_blocked || d.ndims < 2 || d.ndims > 4) return false;
  const auto& b = d.format_desc.blocking;
  return b.inner_nblks == 0 ||
         (b.inner_nblks == 1 && b.inner_idxs[0] == 1 && b.inner_blks[0] <= kMaxChannelBlock);
}

ChannelWalk::ChannelWalk(const memory::desc& md) {
  const auto& d = md.data;
  const auto& b = d.format_desc.blocking;
  n_ = d.dims[0];
  c_ = d.dims[1];
  block_ = b.inner_nblks == 1 ? b.inner_blks[0] : 1;
  stride_n_ = b.strides[0];
  stride_cb_ = b.strides[1];
  // [N, C] is [N, C, 1, 1] and [N, C, W] is [N, C, 1, W].
  height_ = d.ndims == 4 ? d.dims[2] : 1;
  width_ = d.ndims >= 3 ? d.dims[d.ndims - 1] : 1;
  stride_h_ = d.ndims == 4 ? b.strides[2] : 0;
  stride_w_ = d.ndims >= 3 ? b.strides[d.ndims - 1] : block_;
  merged_ = height_ == 1 || stride_h_ == width_ * stride_w_;
  const int64_t per_image = std::max<int64_t>(1, height_ * width_);
  const int64_t images = std::max<int64_t>(1, (kMinPartRows + per_image - 1) / per_image);
  parts_ = std::clamp<int64_t>((n_ + images - 1) / images, 1, kMaxParts);
}

void ChannelWalk::parallel_parts(void (*call)(void*, int64_t, int64_t, int64_t, int64_t), void* fn) const {
  // Image by image, each image's channel blocks in turn: a thread reads whole
  // images at consecutive addresses (blocked layouts hold an image's blocks one
  // after the other), a third faster on cold tensors than block by block.
  const int64_t block_count = blocks(), items = block_count * parts_;
#pragma omp parallel for schedule(static)
  for (int64_t it = 0; it < items; ++it) {
    const int64_t part = it / block_count, cb = it % block_count;
    call(fn, cb, part, n_ * part / parts_, n_ * (part + 1) / parts_);
  }
}

}  // namespace petal::detail
