// Partial results of a pass over a channel walk (channel_walk.h): per batch
// part and channel block, `width` values per channel (stored [width][block]
// within a block, as a vectorised loop writes them), zeroed by the item that
// fills them and added in part order afterwards, so that totals do not depend
// on the thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "nn/channel_walk.h"

namespace petal::detail {

template <typename T>
class PartSums {
 public:
  PartSums() = default;
  PartSums(const ChannelWalk& walk, int64_t width)
      : blocks_(walk.blocks()), block_(walk.block()), width_(width),
        values_(static_cast<size_t>(walk.parts() * blocks_ * block_ * width)) {}

  // Part `part`'s values of channel block cb, zeroed: [width][block].
  T* zeroed(int64_t part, int64_t cb) {
    T* at = values_.data() + (part * blocks_ + cb) * width_ * block_;
    std::fill_n(at, width_ * block_, T{});
    return at;
  }
  // Value w of channel ch over all parts, added in part order.
  double total(int64_t ch, int64_t w) const {
    const int64_t cb = ch / block_, at = (cb * width_ + w) * block_ + ch % block_;
    const int64_t stride = blocks_ * width_ * block_, parts = static_cast<int64_t>(values_.size()) / stride;
    double s = 0;
    for (int64_t p = 0; p < parts; ++p) s += values_[static_cast<size_t>(p * stride + at)];
    return s;
  }

 private:
  int64_t blocks_ = 0, block_ = 0, width_ = 0;
  std::vector<T> values_;
};

}  // namespace petal::detail
