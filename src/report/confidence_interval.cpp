// Wilson score interval and the mean/spread of repeated runs.
#include "petal/report/confidence_interval.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "petal/core/error.h"

namespace petal {

Interval wilson_interval(int64_t k, int64_t n, double z) {
  if (n < 1 || k < 0 || k > n) {
    throw ConfigError("wilson_interval: expected 0 <= successes <= trials and trials >= 1; received " +
                      std::to_string(k) + " of " + std::to_string(n) + ".");
  }
  const double nn = static_cast<double>(n), p = static_cast<double>(k) / nn, z2 = z * z;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Spread spread(const std::vector<double>& v) {
  if (v.empty()) throw ConfigError("spread: expected at least one value; received none.");
  Spread s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  double sq = 0;
  for (double x : v) sq += (x - s.mean) * (x - s.mean);
  s.stddev = v.size() > 1 ? std::sqrt(sq / static_cast<double>(v.size() - 1)) : 0.0;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  s.min = *lo;
  s.max = *hi;
  return s;
}

}  // namespace petal
