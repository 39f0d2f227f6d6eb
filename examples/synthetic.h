// A synthetic image data set for the examples: each class is a noisy square of
// its own colour at a random place, so a small CNN learns it in a few epochs
// (and flips or shifts keep the label).
#pragma once

#include <petal/core/rng.h>
#include <petal/core/tensor.h>

inline void make_blobs(int64_t n, int64_t size, int64_t classes, uint64_t seed, petal::Tensor& x, petal::Tensor& y) {
  petal::Rng rng(seed);
  x = petal::Tensor({n, size, size, 3});
  y = petal::Tensor({n, classes});
  const int64_t half = size / 2;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = static_cast<int64_t>(rng.below(static_cast<uint64_t>(classes)));
    y.at({i, c}) = 1.0f;
    const int64_t top = static_cast<int64_t>(rng.below(static_cast<uint64_t>(size - half + 1)));
    const int64_t left = static_cast<int64_t>(rng.below(static_cast<uint64_t>(size - half + 1)));
    for (int64_t r = 0; r < size; ++r) {
      for (int64_t q = 0; q < size; ++q) {
        const bool inside = r >= top && r < top + half && q >= left && q < left + half;
        for (int64_t ch = 0; ch < 3; ++ch) {
          // Class c lights channel c (class 3 and beyond: all channels).
          const bool lit = inside && (c >= 3 || ch == c);
          x.at({i, r, q, ch}) = static_cast<float>((lit ? 0.9 : 0.1) + 0.1 * rng.normal());
        }
      }
    }
  }
}
