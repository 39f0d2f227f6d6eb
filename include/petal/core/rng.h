// Seeded pseudo-random numbers (xoshiro256**), identical on every platform.
// All randomness in petal comes from an Rng passed in; there is no global state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace petal {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0);

  uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform in [lo, hi).
  double uniform(double lo, double hi);
  // Uniform integer in [0, n); n > 0.
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller).
  double normal();
  // Normal with mean 0 and `stddev`, redrawn until within two standard deviations
  // (as TensorFlow's truncated_normal).
  double truncated_normal(double stddev);
  // A random permutation of 0..n-1 (Fisher-Yates).
  std::vector<int64_t> permutation(int64_t n);
  template <typename T>
  void shuffle(std::span<T> items) {
    for (size_t i = items.size(); i > 1; --i) {
      const size_t j = below(i);
      std::swap(items[i - 1], items[j]);
    }
  }
  // An independent generator derived from this one's seed and `stream`, leaving
  // this generator untouched (for per-epoch, per-batch or per-worker streams).
  Rng fork(uint64_t stream) const;
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};

// A stateless 64-bit mix of (key, counter): the same inputs give the same bits on
// any thread, so parallel loops can draw reproducible random numbers.
uint64_t hash64(uint64_t key, uint64_t counter);

}  // namespace petal
