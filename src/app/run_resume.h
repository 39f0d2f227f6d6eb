// What --resume checks and repairs before training on: leftover temporary files,
// options a resumed run cannot apply, the network model_last.petal holds, and a
// best model (model.petal) that a kill left behind the history.
#pragma once

#include <cstdint>
#include <string>

#include "petal/app/run_dir.h"
#include "petal/app/train_config.h"
#include "petal/model/sequential.h"

namespace petal::detail {

// Removes "<file>.tmp.<pid>.<n>" files (atomic writes a killed run left) from the
// run folder and checkpoints/; the run lock guarantees no writer is alive.
// Returns how many were removed.
int64_t remove_leftover_temp_files(const RunPaths& paths);

// ConfigError when `config` (config.json with the command line's flags) changes
// what model_last.petal fixes: the model and its l2 and bn_momentum, and the
// optimizer with its lr, momentum, nesterov and decay. `recorded` is the run's
// config.json as it was before this resume.
void check_resume_options(const TrainConfig& config, const TrainConfig& recorded);

// DataError when `resumed` is not the network config.model builds for `classes`
// (config.json names another model than model_last.petal holds).
void check_resumed_network(const Model& resumed, const TrainConfig& config, int64_t classes);

// model.petal must hold the best epoch of the history (`best_epoch`, 0-based, -1
// for none): a kill while it was written leaves it one best behind. Restores it
// from model_last.petal (when the best is the last completed epoch) or from that
// epoch's checkpoint; returns a line for train.log, empty when nothing was wrong.
std::string repair_best_model(const RunPaths& paths, int64_t best_epoch, int64_t completed_epochs);

// A run whose report.json exists finished; one without it stopped before its
// report (and plots) were written.
bool run_reported(const RunPaths& paths);

}  // namespace petal::detail
