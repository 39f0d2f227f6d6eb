// Arena planning: greedy by size over lifetime intervals.
#include "model/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace petal::detail {

namespace {

constexpr size_t kAlign = 64;

size_t aligned(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

bool overlap_in_time(const Lifetime& a, const Lifetime& b) { return a.first <= b.last && b.first <= a.last; }

}  // namespace

ArenaLayout plan_arena(const std::vector<Lifetime>& tensors) {
  ArenaLayout out;
  out.offsets.assign(tensors.size(), 0);
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors[a].bytes > tensors[b].bytes; });
  std::vector<size_t> placed;
  for (size_t t : order) {
    const size_t size = aligned(tensors[t].bytes);
    // Intervals [offset, end) of placed tensors alive at the same time, by offset.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t p : placed) {
      if (overlap_in_time(tensors[p], tensors[t])) busy.emplace_back(out.offsets[p], out.offsets[p] + aligned(tensors[p].bytes));
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= offset + size) break;  // the gap before this one fits
      offset = std::max(offset, end);
    }
    out.offsets[t] = offset;
    out.bytes = std::max(out.bytes, offset + size);
    placed.push_back(t);
  }
  return out;
}

}  // namespace petal::detail
