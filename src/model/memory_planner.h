// Places tensors with known lifetimes in one arena so that tensors alive at
// the same time never overlap: memory grows with the widest point of the
// graph, not with its depth.
#pragma once

#include <cstddef>
#include <vector>

namespace petal::detail {

struct Lifetime {
  size_t bytes = 0;
  int first = 0, last = 0;  // steps during which the tensor is alive, inclusive
};

struct ArenaLayout {
  std::vector<size_t> offsets;  // per tensor, 64-byte aligned
  size_t bytes = 0;             // arena size
};

// Greedy by size (largest first, lowest free offset): TFLite's arena planner.
ArenaLayout plan_arena(const std::vector<Lifetime>& tensors);

}  // namespace petal::detail
