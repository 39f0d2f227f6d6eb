// Per-class precision/recall/F1, accuracy and averages as scikit-learn's
// classification_report computes them, plus the confusion matrix, as text or JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace petal {

// counts[t][p]: samples of true class t predicted as class p (rows = true).
using ConfusionMatrix = std::vector<std::vector<int64_t>>;

struct ClassMetrics {
  std::string name;  // class name, or "macro avg" / "weighted avg"
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;  // true samples of the class (all samples for the averages)
};

// What classification_report computed. Ill-defined ratios (a class never
// predicted, a class with no true samples) are 0.0, as sklearn's default
// zero_division="warn"; the warning sklearn would print is kept in `warnings`
// (the library does not print; the CLI may).
struct ClassificationReport {
  std::vector<ClassMetrics> per_class;  // one per class name, in label order
  double accuracy = 0;
  ClassMetrics macro_avg;     // unweighted mean over all classes
  ClassMetrics weighted_avg;  // mean weighted by support
  ConfusionMatrix confusion;  // [classes, classes]
  std::vector<std::string> warnings;
};

// Confusion matrix of integer labels in [0, num_classes). Throws ShapeError if
// the lengths differ and DataError for a label out of range.
ConfusionMatrix confusion_matrix(const std::vector<int>& y_true, const std::vector<int>& y_pred,
                                 int num_classes);

// Label i names class_names[i] (sklearn's labels=range(K), target_names=class_names),
// so classes absent from both vectors still get a row with support 0.
// Throws ConfigError for no or duplicate names, DataError for no samples.
ClassificationReport classification_report(const std::vector<int>& y_true,
                                            const std::vector<int>& y_pred,
                                            const std::vector<std::string>& class_names);
// The same from a confusion matrix (square, one row per class name).
ClassificationReport classification_report(const ConfusionMatrix& confusion,
                                           const std::vector<std::string>& class_names);

// sklearn 1.x text layout, character for character (`digits` decimals).
std::string format_classification_report(const ClassificationReport& report, int digits = 2);

// {"accuracy", "per_class": {name: {precision, recall, f1, support}},
//  "macro_avg", "weighted_avg", "confusion_matrix": [[...]]}, indented by 2.
std::string classification_report_json(const ClassificationReport& report);

}  // namespace petal
