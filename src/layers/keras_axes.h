// Keras axis arguments (batch axis 0, negative counts from the end) and where
// each Keras axis lives in oneDNN's dims (N, C, then the spatial axes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace petal::detail {

// Index in [0, rank] of the shape with batch (rank = dims per sample), or
// nullopt when out of range.
inline std::optional<int> resolve_axis(int axis, size_t rank) {
  const int r = static_cast<int>(rank);
  const int a = axis < 0 ? axis + r + 1 : axis;
  if (a < 0 || a > r) return std::nullopt;
  return a;
}

// oneDNN dim of Keras axis `a` (with batch): N stays 0, the last (channel) axis
// is 1, the axes in between shift by one.
inline int dnnl_axis(int a, size_t rank) {
  if (a == 0) return 0;
  if (a == static_cast<int>(rank)) return 1;
  return a + 1;
}

inline std::string axes_string(const std::vector<int>& axes) {
  std::string s = "[";
  for (size_t i = 0; i < axes.size(); ++i) s += (i ? ", " : "") + std::to_string(axes[i]);
  return s + "]";
}

}  // namespace petal::detail
