// Layer normalisation over any set of axes of a plain row-major tensor, in
// double: oneDNN's layer_normalization normalises over the last dim only.
#pragma once

#include <cstdint>
#include <vector>

#include "petal/core/shape.h"

namespace petal::detail {

class LayerNormLoop {
 public:
  LayerNormLoop() = default;
  // shape: with batch; axes: the normalised ones (indices into shape, ascending).
  LayerNormLoop(const Shape& shape, const std::vector<int>& axes, float epsilon);

  // y = (x - mean) * rstd * gamma + beta per group; gamma/beta may be null
  // (1 and 0). Keeps mean and rstd for backward.
  void forward(const float* x, const float* gamma, const float* beta, float* y);
  // dx may be null; dgamma/dbeta (null when absent) are overwritten, or added
  // into when accumulate.
  void backward(const float* x, const float* dy, const float* gamma, float* dx, float* dgamma, float* dbeta,
                bool accumulate) const;

 private:
  std::vector<int64_t> group_offsets_;  // [G] start of each group (the axes not normalised)
  std::vector<int64_t> elem_offsets_;   // [E] offsets within a group, row-major over the axes
  std::vector<float> mean_, rstd_;      // [G]
  float epsilon_ = 1e-3f;
};

}  // namespace petal::detail
