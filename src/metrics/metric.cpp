// Accuracy metrics.
#include "petal/metrics/metric.h"

#include <algorithm>
#include <cmath>

#include "petal/core/error.h"

namespace petal {

Metric resolve_metric(std::string_view name, Loss loss, int64_t units) {
  const std::string n(name);
  if (n == "accuracy" || n == "acc") {
    if (loss == Loss::BinaryCrossentropy || units == 1) return {MetricKind::BinaryAccuracy, n};
    if (loss == Loss::SparseCategoricalCrossentropy) return {MetricKind::SparseCategoricalAccuracy, n};
    return {MetricKind::CategoricalAccuracy, n};
  }
  if (n == "categorical_accuracy") return {MetricKind::CategoricalAccuracy, n};
  if (n == "sparse_categorical_accuracy") return {MetricKind::SparseCategoricalAccuracy, n};
  if (n == "binary_accuracy") return {MetricKind::BinaryAccuracy, n};
  if (n == "top_k_categorical_accuracy") return {MetricKind::TopKCategoricalAccuracy, n, 5};
  throw ConfigError("unknown metric '" + n +
                    "'; expected one of accuracy, acc, categorical_accuracy, sparse_categorical_accuracy, "
                    "binary_accuracy, top_k_categorical_accuracy.");
}

double compute_metric(const Metric& m, const Tensor& y_true, const float* p, const Shape& shape) {
  const int64_t k = shape.back();
  const int64_t rows = num_elements(shape) / k;
  if (m.kind == MetricKind::BinaryAccuracy) {
    int64_t hits = 0;
    for (int64_t i = 0; i < rows * k; ++i) hits += (p[i] > 0.5f ? 1.0f : 0.0f) == y_true[i];
    return static_cast<double>(hits) / static_cast<double>(rows * k);
  }
  int64_t hits = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* pr = p + r * k;
    int64_t truth;
    if (m.kind == MetricKind::SparseCategoricalAccuracy) {
      truth = static_cast<int64_t>(y_true[r]);
    } else {
      const float* yr = y_true.data() + r * k;
      truth = std::max_element(yr, yr + k) - yr;
    }
    if (m.kind == MetricKind::TopKCategoricalAccuracy) {
      // In the top k when fewer than k classes score strictly higher.
      const float v = pr[truth];
      const int64_t higher = std::count_if(pr, pr + k, [v](float x) { return x > v; });
      hits += higher < m.k;
    } else {
      hits += (std::max_element(pr, pr + k) - pr) == truth;
    }
  }
  return static_cast<double>(hits) / static_cast<double>(rows);
}

}  // namespace petal
