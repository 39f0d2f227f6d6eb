// Confidence intervals for a proportion (an accuracy over n test images) and
// the spread of repeated runs (seeds).
#pragma once

#include <cstdint>
#include <vector>

namespace petal {

struct Interval {
  double low = 0, high = 0;
};

// The Wilson score interval of `successes` out of `trials` at normal quantile z
// (1.959964: 95%): (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n).
// ConfigError for trials < 1 or successes outside [0, trials].
Interval wilson_interval(int64_t successes, int64_t trials, double z = 1.959963984540054);

struct Spread {
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for one value
  double min = 0, max = 0;
};
// ConfigError for no values.
Spread spread(const std::vector<double>& values);

}  // namespace petal
