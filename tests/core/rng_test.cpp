// Seeded randomness is reproducible and has the documented distributions.
#include "petal/core/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace petal {
namespace {

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
  Rng a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, UniformMomentsAndRange) {
  Rng r(1);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform(-2, 2);
    ASSERT_GE(u, -2);
    ASSERT_LT(u, 2);
    sum += u;
    sq += u * u;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.02);
  EXPECT_NEAR(sq / n, 16.0 / 12.0, 0.02);
}

TEST(Rng, NormalAndTruncatedNormal) {
  Rng r(2);
  double sum = 0, sq = 0, tmax = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    sum += z;
    sq += z * z;
    tmax = std::max(tmax, std::fabs(r.truncated_normal(0.5)));
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
  EXPECT_LE(tmax, 1.0);
  EXPECT_GT(tmax, 0.95);
}

TEST(Rng, PermutationIsAPermutationAndForkIsIndependent) {
  Rng r(3);
  auto p = r.permutation(100);
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  Rng f1 = r.fork(5), f2 = r.fork(5), f3 = r.fork(6);
  const uint64_t x = f1.next_u64();
  EXPECT_EQ(x, f2.next_u64());
  EXPECT_NE(x, f3.next_u64());
  EXPECT_EQ(hash64(1, 2), hash64(1, 2));
  EXPECT_NE(hash64(1, 2), hash64(1, 3));
}

}  // namespace
}  // namespace petal
