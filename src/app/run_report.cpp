// Report files of a run.
#include "app/run_report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "petal/app/train_sources.h"
#include "petal/report/confidence_interval.h"
#include "petal/io/atomic_file.h"
#include "petal/report/plot.h"

namespace petal::detail {

ClassificationReport write_run_report(Model& model, const Dataset& d, const TrainConfig& c,
                                      const std::map<std::string, std::vector<double>>& history, const RunPaths& p) {
  Tensor x = d.test_x;
  apply_rescale(x, c.rescale);
  const std::vector<int> pred = argmax_rows(model.predict(x, {.batch_size = c.batch_size, .tta = c.tta}));
  const std::vector<int> truth = argmax_rows(d.test_y);
  ClassificationReport report = classification_report(truth, pred, d.class_names);
  int64_t correct = 0;
  for (size_t c = 0; c < report.confusion.size(); ++c) correct += report.confusion[c][c];
  const auto n = static_cast<int64_t>(truth.size());
  const Interval ci = wilson_interval(correct, n);
  char line[160];
  std::snprintf(line, sizeof line,
                "\ntest accuracy %.4f (%lld of %lld), 95%% confidence interval %.4f to %.4f (Wilson)\n",
                report.accuracy, static_cast<long long>(correct), static_cast<long long>(n), ci.low, ci.high);
  write_file_atomically(p.report(), format_classification_report(report) + line);
  auto json = nlohmann::ordered_json::parse(classification_report_json(report));
  json["test_samples"] = n;
  json["accuracy_ci95"] = {ci.low, ci.high};
  if (c.tta) json["tta"] = "horizontal flip";
  write_file_atomically(p.report_json(), json.dump(2));
  plot_confusion_matrix(report.confusion, d.class_names, p.confusion());
  plot_training_history(history, {.path = p.plot()});
  return report;
}

}  // namespace petal::detail
