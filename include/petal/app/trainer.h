// `petal train` as a library call: loads the data, builds (or resumes) the model,
// trains it in one of Keras's three ways, and fills the run directory
// (see run_dir.h): model.petal, model_last.petal, history.csv, plot.png,
// report.txt (+ report.json), confusion.png, config.json, train.log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "petal/app/dataset.h"
#include "petal/app/train_config.h"
#include "petal/report/classification_report.h"

namespace petal {

struct TrainRunOptions {
  // Continue the run in config.out: load model_last.petal, start at its
  // epochs_completed (initial_epoch) and append to history.csv and train.log.
  bool resume = false;
  // Write into an --out that already holds a run (otherwise an error).
  bool overwrite = false;
  std::ostream* console = nullptr;  // one-line messages; default std::cout
  std::string command_line = {};    // recorded in config.json and train.log
  std::vector<uint64_t> seeds = {};  // the --seeds group this run belongs to (recorded)
};

struct TrainResult {
  std::filesystem::path run_dir;
  int64_t initial_epoch = 0;     // > 0 for a resumed run
  int64_t epochs_completed = 0;
  int64_t best_epoch = -1;       // 0-based epoch saved as model.petal
  // The final model (model_last.petal) on the test split: the tutorial's protocol.
  ClassificationReport report;
  double seconds = 0;            // training time (without loading and reporting)
  // SIGINT or SIGTERM stopped the run (after the step it was in; one process
  // only): the run folder holds the last completed epoch, resumable, and no
  // report. 0 otherwise.
  int interrupted_by = 0;
};

// Throws ConfigError for bad or conflicting options, DataError/IoError for data
// or files; the run directory keeps whatever epochs completed.
TrainResult train(TrainConfig config, const TrainRunOptions& options = {});

// The data set a run of `config` loads: its path, image size, decoding, CSV
// channel order and split (config.seed must be set). Training rows of a CSV pair
// are left streamed unless --mode fit or --validation-split needs them decoded.
DatasetOptions dataset_options(const TrainConfig& config);

// What a run directory recorded: its config.json as the options to resume with.
// IoError when RUN_DIR has no config.json or model_last.petal.
std::string resume_config_path(const std::filesystem::path& run_dir);

}  // namespace petal
