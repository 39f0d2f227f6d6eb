// Batch normalization at inference as one affine map per channel, the form that
// both the inference post-ops and the ONNX exporter's folding use.
#pragma once

#include <cmath>
#include <cstdint>

namespace petal::detail {

// y = x * scale + shift with scale = gamma / sqrt(variance + epsilon) and
// shift = beta - mean * scale; gamma or beta null: 1 or 0 (center/scale off).
inline void batch_norm_affine(const float* gamma, const float* beta, const float* mean, const float* variance,
                              float epsilon, int64_t channels, float* scale, float* shift) {
  for (int64_t c = 0; c < channels; ++c) {
    const double s = (gamma ? gamma[c] : 1.0) / std::sqrt(static_cast<double>(variance[c]) + epsilon);
    scale[c] = static_cast<float>(s);
    shift[c] = static_cast<float>((beta ? beta[c] : 0.0) - mean[c] * s);
  }
}

}  // namespace petal::detail
