// stratified_split and shuffled_split: proportions, coverage, determinism.
#include "petal/data/split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "petal/core/error.h"

namespace petal {
namespace {

std::vector<int64_t> labels_with_counts(const std::vector<int64_t>& counts) {
  std::vector<int64_t> labels;
  for (size_t c = 0; c < counts.size(); ++c) labels.insert(labels.end(), static_cast<size_t>(counts[c]), static_cast<int64_t>(c));
  // Interleave so class members are not contiguous indices.
  std::vector<int64_t> mixed(labels.size());
  EXPECT_EQ(std::gcd(labels.size(), size_t{11}), 1u);  // so i -> 11 i mod n is a permutation
  for (size_t i = 0; i < labels.size(); ++i) mixed[(i * 11) % labels.size()] = labels[i];
  return mixed;
}

void expect_partition(const SplitIndices& s, size_t n) {
  std::vector<int64_t> all = s.train;
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> expected(n);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);  // disjoint and covering
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  EXPECT_TRUE(std::is_sorted(s.test.begin(), s.test.end()));
}

TEST(StratifiedSplit, EachClassSplitInProportion) {
  // 17 classes x 80 (Flowers-17): exactly 20 test images per class at 0.25.
  const auto labels = labels_with_counts(std::vector<int64_t>(17, 80));
  const SplitIndices s = stratified_split(labels, 0.25, 42);
  expect_partition(s, labels.size());
  EXPECT_EQ(s.test.size(), 340u);
  std::vector<int64_t> per_class(17, 0);
  for (int64_t i : s.test) ++per_class[static_cast<size_t>(labels[static_cast<size_t>(i)])];
  for (int64_t c : per_class) EXPECT_EQ(c, 20);
}

TEST(StratifiedSplit, UnevenClassesGetFloorOrCeilAndTheRoundedTotal) {
  const std::vector<int64_t> counts = {10, 7, 3, 1};
  const auto labels = labels_with_counts(counts);
  const SplitIndices s = stratified_split(labels, 0.3, 5);
  expect_partition(s, labels.size());
  EXPECT_EQ(s.test.size(), 6u);  // round(21 * 0.3) = 6
  std::vector<int64_t> per_class(4, 0);
  for (int64_t i : s.test) ++per_class[static_cast<size_t>(labels[static_cast<size_t>(i)])];
  for (size_t c = 0; c < counts.size(); ++c) {
    const double exact = static_cast<double>(counts[c]) * 0.3;
    EXPECT_GE(per_class[c], static_cast<int64_t>(std::floor(exact))) << c;
    EXPECT_LE(per_class[c], static_cast<int64_t>(std::ceil(exact))) << c;
  }
}

TEST(StratifiedSplit, SameSeedSameSplitOtherSeedOtherSplit) {
  const auto labels = labels_with_counts({50, 50, 50});
  const SplitIndices a = stratified_split(labels, 0.2, 7), b = stratified_split(labels, 0.2, 7);
  const SplitIndices c = stratified_split(labels, 0.2, 8);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.test, b.test);
  EXPECT_NE(a.test, c.test);
  EXPECT_EQ(a.test.size(), c.test.size());
}

TEST(StratifiedSplit, EdgeFractionsAndBadInput) {
  const auto labels = labels_with_counts({4, 4});
  EXPECT_TRUE(stratified_split(labels, 0.0, 1).test.empty());
  EXPECT_TRUE(stratified_split(labels, 1.0, 1).train.empty());
  EXPECT_THROW(stratified_split(labels, 1.5, 1), ConfigError);
  const std::vector<int64_t> negative = {0, -1};
  EXPECT_THROW(stratified_split(negative, 0.5, 1), DataError);
}

TEST(ShuffledSplit, TutorialSizesAndDeterminism) {
  const SplitIndices s = shuffled_split(1360, 0.25, 42);
  EXPECT_EQ(s.train.size(), 1020u);
  EXPECT_EQ(s.test.size(), 340u);
  SplitIndices sorted = s;
  std::sort(sorted.train.begin(), sorted.train.end());
  std::sort(sorted.test.begin(), sorted.test.end());
  expect_partition(sorted, 1360);
  EXPECT_FALSE(std::is_sorted(s.train.begin(), s.train.end()));  // shuffled order kept
  EXPECT_EQ(shuffled_split(1360, 0.25, 42).train, s.train);
  EXPECT_EQ(shuffled_split(10, 0.2, 1).train.size(), 8u);
}

}  // namespace
}  // namespace petal
