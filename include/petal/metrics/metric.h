// Batch metrics with Keras names: accuracy (categorical, sparse or binary, chosen
// from the loss as Keras does) and top_k_categorical_accuracy.
#pragma once

#include <string>
#include <string_view>

#include "petal/core/tensor.h"
#include "petal/losses/loss.h"

namespace petal {

enum class MetricKind { CategoricalAccuracy, SparseCategoricalAccuracy, BinaryAccuracy, TopKCategoricalAccuracy };

struct Metric {
  MetricKind kind;
  std::string name;  // the name the user asked for, used in logs ("accuracy", "acc", ...)
  int k = 5;         // for top-k
};

// Resolves a metric name for a compiled loss and output width, as Keras 2:
// "accuracy"/"acc" become binary accuracy for binary_crossentropy or a single
// output unit, sparse accuracy for sparse_categorical_crossentropy, else categorical.
Metric resolve_metric(std::string_view name, Loss loss, int64_t output_units);

// Unweighted mean of the metric over the batch (and positions) in [0, 1].
double compute_metric(const Metric& metric, const Tensor& y_true, const float* y_pred, const Shape& y_pred_shape);

}  // namespace petal
