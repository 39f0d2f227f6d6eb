// Report files of a run.
#include "app/run_report.h"

#include "petal/app/train_sources.h"
#include "petal/io/atomic_file.h"
#include "petal/report/plot.h"

namespace petal::detail {

ClassificationReport write_run_report(Model& model, const Dataset& d, const TrainConfig& c,
                                      const std::map<std::string, std::vector<double>>& history, const RunPaths& p) {
  Tensor x = d.test_x;
  apply_rescale(x, c.rescale);
  const std::vector<int> pred = argmax_rows(model.predict(x, c.batch_size));
  const std::vector<int> truth = argmax_rows(d.test_y);
  ClassificationReport report = classification_report(truth, pred, d.class_names);
  write_file_atomically(p.report(), format_classification_report(report));
  write_file_atomically(p.report_json(), classification_report_json(report));
  plot_confusion_matrix(report.confusion, d.class_names, p.confusion());
  plot_training_history(history, {.path = p.plot()});
  return report;
}

}  // namespace petal::detail
