// Eight-float vectors for petal's own loops (GCC/Clang vector extensions), built
// for whatever target the including function has (nn/channel_kernels.cpp
// compiles them three times). Eight, not sixteen: GCC 12 turns comparisons of
// 16-float vectors into scalar code even where AVX-512 is enabled.
#pragma once

#include <cstdint>
#include <cstring>

// Always inlined: no call passes a vector, so GCC's note that their ABI depends
// on the target does not apply.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace petal::detail::vec8 {

// Eight floats, and four doubles for sums (one AVX register, two SSE registers
// in a baseline build).
using F8 = float __attribute__((vector_size(32)));
using I8 = int32_t __attribute__((vector_size(32)));
using D4 = double __attribute__((vector_size(32)));

[[gnu::always_inline]] inline F8 load(const float* p) {
  F8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void store(float* p, F8 v) { std::memcpy(p, &v, sizeof v); }
[[gnu::always_inline]] inline F8 splat(float x) { return F8{} + x; }
// where m: a, else b (m from a vector comparison: all bits set or clear).
[[gnu::always_inline]] inline F8 select(I8 m, F8 a, F8 b) {
  return reinterpret_cast<F8>((reinterpret_cast<I8>(a) & m) | (reinterpret_cast<I8>(b) & ~m));
}

// Eight sums in double.
struct Sum8 {
  D4 lo{}, hi{};
  [[gnu::always_inline]] void add(F8 v) {
    lo += __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3), D4);
    hi += __builtin_convertvector(__builtin_shufflevector(v, v, 4, 5, 6, 7), D4);
  }
  [[gnu::always_inline]] double at(int i) const { return i < 4 ? lo[i] : hi[i - 4]; }
  [[gnu::always_inline]] void add_to(double* to) const {
    for (int i = 0; i < 4; ++i) to[i] += lo[i], to[4 + i] += hi[i];
  }
};

// Sums of x and x^2 per lane, added into sum and sq, from the sums s and q of
// x - p over n values (p the pivot: no cancellation when the mean is large
// against the spread): sum x = S + n p, sum x^2 = Q + 2 p S + n p^2.
template <int H>
[[gnu::always_inline]] inline void add_unpivoted(const F8 (&pivot)[H], const Sum8 (&s)[H], const Sum8 (&q)[H], double n,
                                                 double* sum, double* sq) {
  for (int h = 0; h < H; ++h) {
    for (int i = 0; i < 8; ++i) {
      const double p = pivot[h][i], sh = s[h].at(i);
      sum[8 * h + i] += sh + n * p;
      sq[8 * h + i] += q[h].at(i) + 2 * p * sh + n * p * p;
    }
  }
}

// A run's per-channel values as H vectors of eight channels (N = 8 H), loaded
// once so that they stay in registers.
template <int H>
struct Lanes {
  F8 v[H];
  [[gnu::always_inline]] explicit Lanes(const float* p) {
    for (int h = 0; h < H; ++h) v[h] = load(p + 8 * h);
  }
};

}  // namespace petal::detail::vec8

#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
