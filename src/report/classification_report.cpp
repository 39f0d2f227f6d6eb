// classification_report: the metrics follow sklearn 1.3+ precision_recall_fscore_support
// (F1 = 2tp / (support + predicted)), the averages numpy's pairwise summation.
#include "petal/report/classification_report.h"

#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "petal/core/error.h"
#include "petal/core/text_escape.h"

namespace petal {

namespace {

// numpy's pairwise_sum for a contiguous float64 array (np.sum / np.mean), so
// that averages agree to the last bit with sklearn's and round identically.
double numpy_sum(const double* a, size_t n) {
  if (n < 8) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  size_t half = n / 2;
  half -= half % 8;
  return numpy_sum(a, half) + numpy_sum(a + half, n - half);
}

double ratio_or_zero(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

void check_names(const std::vector<std::string>& names) {
  if (names.empty())
    throw ConfigError("classification_report: expected at least one class name; received none.");
  std::set<std::string> seen;
  for (const auto& n : names)
    if (!seen.insert(n).second)
      throw ConfigError("classification_report: expected distinct class names; received '" + escape_text(n) +
                        "' twice.");
}

// Averages over classes as sklearn's np.average (macro) and np.average(weights=support).
void fill_averages(ClassificationReport& r, int64_t total) {
  const size_t k = r.per_class.size();
  std::vector<double> p(k), rc(k), f(k), wp(k), wr(k), wf(k);
  for (size_t i = 0; i < k; ++i) {
    const auto& m = r.per_class[i];
    const double w = static_cast<double>(m.support);
    p[i] = m.precision, rc[i] = m.recall, f[i] = m.f1;
    wp[i] = m.precision * w, wr[i] = m.recall * w, wf[i] = m.f1 * w;
  }
  const double n = static_cast<double>(k), t = static_cast<double>(total);
  r.macro_avg = {"macro avg", numpy_sum(p.data(), k) / n, numpy_sum(rc.data(), k) / n,
                 numpy_sum(f.data(), k) / n, total};
  r.weighted_avg = {"weighted avg", numpy_sum(wp.data(), k) / t, numpy_sum(wr.data(), k) / t,
                    numpy_sum(wf.data(), k) / t, total};
}

void add_warning(ClassificationReport& r, const std::string& what, const std::string& why,
                 const std::vector<std::string>& classes) {
  if (classes.empty()) return;
  r.warnings.push_back(what + " is ill-defined and being set to 0.0 in labels with " + why +
                       ": " + quoted_list(classes) + ".");
}

}  // namespace

ConfusionMatrix confusion_matrix(const std::vector<int>& y_true, const std::vector<int>& y_pred,
                                 int num_classes) {
  if (y_true.size() != y_pred.size())
    throw ShapeError("confusion_matrix: expected y_true and y_pred of equal length; received " +
                     std::to_string(y_true.size()) + " and " + std::to_string(y_pred.size()) +
                     ".");
  auto check = [&](const std::vector<int>& v, const char* name) {
    for (size_t i = 0; i < v.size(); ++i)
      if (v[i] < 0 || v[i] >= num_classes)
        throw DataError("confusion_matrix: expected labels in [0, " +
                        std::to_string(num_classes) + ") (one per class); received " + name +
                        "[" + std::to_string(i) + "] = " + std::to_string(v[i]) + ".");
  };
  check(y_true, "y_true");
  check(y_pred, "y_pred");
  ConfusionMatrix cm(num_classes, std::vector<int64_t>(num_classes, 0));
  for (size_t i = 0; i < y_true.size(); ++i) ++cm[y_true[i]][y_pred[i]];
  return cm;
}

ClassificationReport classification_report(const std::vector<int>& y_true,
                                            const std::vector<int>& y_pred,
                                            const std::vector<std::string>& class_names) {
  check_names(class_names);
  return classification_report(
      confusion_matrix(y_true, y_pred, static_cast<int>(class_names.size())), class_names);
}

ClassificationReport classification_report(const ConfusionMatrix& confusion,
                                           const std::vector<std::string>& class_names) {
  check_names(class_names);
  const size_t k = class_names.size();
  if (confusion.size() != k)
    throw ShapeError("classification_report: expected a confusion matrix with " +
                     std::to_string(k) + " rows (one per class name); received " +
                     std::to_string(confusion.size()) + ".");
  std::vector<int64_t> predicted(k, 0);
  int64_t total = 0, correct = 0;
  for (size_t t = 0; t < k; ++t) {
    if (confusion[t].size() != k)
      throw ShapeError("classification_report: expected " + std::to_string(k) +
                       " columns in confusion row " + std::to_string(t) + "; received " +
                       std::to_string(confusion[t].size()) + ".");
    for (size_t p = 0; p < k; ++p) {
      if (confusion[t][p] < 0)
        throw DataError("classification_report: expected non-negative counts; received " +
                        std::to_string(confusion[t][p]) + " at [" + std::to_string(t) + "][" +
                        std::to_string(p) + "].");
      predicted[p] += confusion[t][p];
      total += confusion[t][p];
    }
    correct += confusion[t][t];
  }
  if (total == 0)
    throw DataError("classification_report: expected at least one sample; received none.");

  ClassificationReport r;
  r.confusion = confusion;
  std::vector<std::string> unpredicted, unsupported, neither;
  for (size_t c = 0; c < k; ++c) {
    int64_t support = 0;
    for (int64_t v : confusion[c]) support += v;
    const int64_t tp = confusion[c][c];
    // Names as escape_text writes them: valid UTF-8 for report.json, no control
    // bytes for the terminal (a folder name may be any bytes on Linux).
    r.per_class.push_back({escape_text(class_names[c]), ratio_or_zero(tp, predicted[c]),
                           ratio_or_zero(tp, support), ratio_or_zero(2 * tp, support + predicted[c]),
                           support});
    if (predicted[c] == 0) unpredicted.push_back(r.per_class.back().name);
    if (support == 0) unsupported.push_back(r.per_class.back().name);
    if (predicted[c] == 0 && support == 0) neither.push_back(r.per_class.back().name);
  }
  r.accuracy = ratio_or_zero(correct, total);
  fill_averages(r, total);
  add_warning(r, "Precision", "no predicted samples", unpredicted);
  add_warning(r, "Recall", "no true samples", unsupported);
  add_warning(r, "F-score", "no true nor predicted samples", neither);
  return r;
}

namespace {

// Python's len() of a UTF-8 string: code points, not bytes.
size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Python's "{:>{width}s}".
std::string right_aligned(const std::string& s, size_t width) {
  const size_t chars = code_points(s);
  return std::string(width > chars ? width - chars : 0, ' ') + s;
}

std::string fixed(double v, int width, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*.*f", width, digits, v);
  return buf;
}

std::string metrics_row(const ClassMetrics& m, size_t width, int digits) {
  return right_aligned(m.name, width) + " " + " " + fixed(m.precision, 9, digits) + " " +
         fixed(m.recall, 9, digits) + " " + fixed(m.f1, 9, digits) + " " +
         right_aligned(std::to_string(m.support), 9) + "\n";
}

}  // namespace

std::string format_classification_report(const ClassificationReport& report, int digits) {
  if (digits < 0 || digits > 17)
    throw ConfigError("format_classification_report: expected digits in [0, 17]; received " +
                      std::to_string(digits) + ".");
  // width = max(longest name, len("weighted avg"), digits), as sklearn.
  size_t width = std::max<size_t>(12, static_cast<size_t>(digits));
  for (const auto& m : report.per_class) width = std::max(width, code_points(m.name));
  std::string out = std::string(width, ' ') + " ";
  for (const char* h : {"precision", "recall", "f1-score", "support"})
    out += " " + right_aligned(h, 9);
  out += "\n\n";
  for (const auto& m : report.per_class) out += metrics_row(m, width, digits);
  out += "\n";
  // The accuracy row leaves precision and recall blank ("{:>9.2}" of "").
  out += right_aligned("accuracy", width) + " " + std::string(20, ' ') + " " +
         fixed(report.accuracy, 9, digits) + " " +
         right_aligned(std::to_string(report.macro_avg.support), 9) + "\n";
  out += metrics_row(report.macro_avg, width, digits);
  out += metrics_row(report.weighted_avg, width, digits);
  return out;
}

std::string classification_report_json(const ClassificationReport& report) {
  using Json = nlohmann::ordered_json;
  auto metrics = [](const ClassMetrics& m) {
    return Json{{"precision", m.precision},
                {"recall", m.recall},
                {"f1", m.f1},
                {"support", m.support}};
  };
  Json per_class = Json::object();
  for (const auto& m : report.per_class) per_class[m.name] = metrics(m);
  Json j;
  j["accuracy"] = report.accuracy;
  j["per_class"] = per_class;
  j["macro_avg"] = metrics(report.macro_avg);
  j["weighted_avg"] = metrics(report.weighted_avg);
  j["confusion_matrix"] = report.confusion;
  return j.dump(2);
}

}  // namespace petal
