// Wilson score intervals against scipy.stats.binomtest(k, n).proportion_ci(
// method='wilson') (values computed with scipy 1.10), and the spread of runs.
#include "petal/report/confidence_interval.h"

#include <gtest/gtest.h>

#include "petal/core/error.h"

namespace petal {
namespace {

TEST(WilsonInterval, MatchesScipy) {
  struct Case {
    int64_t k, n;
    double low, high;
  };
  const Case cases[] = {{295, 340, 0.8274864096512964, 0.8995928694369464},
                        {0, 20, 0.0, 0.16112515805281935},
                        {20, 20, 0.8388748419471808, 1.0},
                        {81, 263, 0.2552885198782742, 0.36620957698280004},
                        {6, 12, 0.2537815976337061, 0.7462184023662939}};
  for (const Case& c : cases) {
    const Interval ci = wilson_interval(c.k, c.n);
    EXPECT_NEAR(ci.low, c.low, 1e-9) << c.k << "/" << c.n;
    EXPECT_NEAR(ci.high, c.high, 1e-9) << c.k << "/" << c.n;
  }
  EXPECT_THROW(wilson_interval(3, 0), ConfigError);
  EXPECT_THROW(wilson_interval(5, 4), ConfigError);
}

TEST(Spread, SampleStandardDeviationAndRange) {
  const Spread s = spread({0.844, 0.877, 0.879});
  EXPECT_NEAR(s.mean, (0.844 + 0.877 + 0.879) / 3, 1e-12);
  EXPECT_NEAR(s.stddev, 0.019655363983740775, 1e-12);  // Python's statistics.stdev
  EXPECT_EQ(s.min, 0.844);
  EXPECT_EQ(s.max, 0.879);
  EXPECT_EQ(spread({0.5}).stddev, 0.0);
  EXPECT_THROW(spread({}), ConfigError);
}

}  // namespace
}  // namespace petal
