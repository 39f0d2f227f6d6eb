// The end of a run: the classification report of the final model on the test
// split (report.txt, report.json, confusion.png) and the training curves (plot.png).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "petal/app/dataset.h"
#include "petal/app/run_dir.h"
#include "petal/app/train_config.h"
#include "petal/model/model.h"
#include "petal/report/classification_report.h"

namespace petal::detail {

ClassificationReport write_run_report(Model& model, const Dataset& data, const TrainConfig& config,
                                      const std::map<std::string, std::vector<double>>& history, const RunPaths& paths);

}  // namespace petal::detail
