// stratified_split and shuffled_split.
#include "petal/data/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "petal/core/error.h"
#include "petal/core/rng.h"

namespace petal {
namespace {

void check_fraction(const char* who, double f) {
  if (!(f >= 0.0 && f <= 1.0)) {
    throw ConfigError(std::string(who) + ": expected test_fraction in [0, 1]; received " + std::to_string(f) + ".");
  }
}

// Test samples per class: floors plus largest remainders up to round(N * f).
std::vector<int64_t> test_counts(const std::vector<std::vector<int64_t>>& members, int64_t total, double f) {
  const size_t k = members.size();
  std::vector<int64_t> counts(k);
  std::vector<std::pair<double, size_t>> remainders;  // (-remainder, class) sorts largest first
  int64_t assigned = 0;
  for (size_t c = 0; c < k; ++c) {
    const double exact = static_cast<double>(members[c].size()) * f;
    counts[c] = static_cast<int64_t>(std::floor(exact + 1e-9));
    assigned += counts[c];
    remainders.emplace_back(-(exact - static_cast<double>(counts[c])), c);
  }
  std::sort(remainders.begin(), remainders.end());
  const auto wanted = static_cast<int64_t>(std::llround(static_cast<double>(total) * f));
  for (size_t i = 0; assigned < wanted && i < remainders.size(); ++i) {
    const size_t c = remainders[i].second;
    if (counts[c] < static_cast<int64_t>(members[c].size())) {
      ++counts[c];
      ++assigned;
    }
  }
  return counts;
}

}  // namespace

SplitIndices stratified_split(std::span<const int64_t> labels, double test_fraction, uint64_t seed) {
  check_fraction("stratified_split", test_fraction);
  std::vector<std::vector<int64_t>> members;
  for (size_t i = 0; i < labels.size(); ++i) {
    const int64_t label = labels[i];
    if (label < 0) {
      throw DataError("stratified_split: expected labels >= 0; received " + std::to_string(label) + " at index " +
                      std::to_string(i) + ".");
    }
    if (static_cast<size_t>(label) >= members.size()) members.resize(static_cast<size_t>(label) + 1);
    members[static_cast<size_t>(label)].push_back(static_cast<int64_t>(i));
  }
  const std::vector<int64_t> counts = test_counts(members, static_cast<int64_t>(labels.size()), test_fraction);
  const Rng rng(seed);
  SplitIndices split;
  for (size_t c = 0; c < members.size(); ++c) {
    std::vector<int64_t> chosen = members[c];
    Rng stream = rng.fork(c);  // one stream per class: a class's draw ignores the others
    stream.shuffle(std::span<int64_t>(chosen));
    const auto cut = static_cast<size_t>(counts[c]);
    split.test.insert(split.test.end(), chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(cut));
    split.train.insert(split.train.end(), chosen.begin() + static_cast<std::ptrdiff_t>(cut), chosen.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

SplitIndices shuffled_split(int64_t n, double test_fraction, uint64_t seed) {
  check_fraction("shuffled_split", test_fraction);
  if (n < 0) throw ConfigError("shuffled_split: expected n >= 0; received " + std::to_string(n) + ".");
  Rng rng(seed);
  const std::vector<int64_t> order = rng.permutation(n);
  // int(n * 0.75) in the tutorial; the epsilon keeps e.g. 0.8 * 10 from flooring to 7.
  const auto n_train = static_cast<int64_t>(std::floor(static_cast<double>(n) * (1.0 - test_fraction) + 1e-9));
  SplitIndices split;
  split.train.assign(order.begin(), order.begin() + n_train);
  split.test.assign(order.begin() + n_train, order.end());
  return split;
}

}  // namespace petal
