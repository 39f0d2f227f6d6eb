// Seeded train/test splits of a dataset by index: stratified (each class split in
// proportion) and plain shuffled (the tutorial's build_dataset split).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace petal {

struct SplitIndices {
  std::vector<int64_t> train{};
  std::vector<int64_t> test{};
};

// Each class c with n_c samples gives floor(n_c * f) test samples, plus one more for
// the classes with the largest remainders (ties: lower class first) until the test
// set holds round(N * f) samples. Members are drawn at random from the seed; the
// same (labels, f, seed) always gives the same split. Both lists come back sorted
// ascending and are disjoint, together covering 0..N-1. Labels must be >= 0;
// test_fraction in [0, 1].
SplitIndices stratified_split(std::span<const int64_t> labels, double test_fraction, uint64_t seed);

// The tutorial's split: a seeded permutation of 0..n-1, the first
// floor(n * (1 - test_fraction)) entries train, the rest test (shuffled order kept).
SplitIndices shuffled_split(int64_t n, double test_fraction, uint64_t seed);

}  // namespace petal
