// A training run's directory: the file names, train.log, and the RunRecorder
// callback that keeps history.csv, model_last.petal, model.petal (the best epoch
// by the monitored value) and optional checkpoints up to date after every epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "petal/callbacks/callback.h"
#include "petal/callbacks/monitor.h"

namespace petal {

struct RunPaths {
  std::filesystem::path dir;
  std::filesystem::path model() const { return dir / "model.petal"; }            // best epoch
  std::filesystem::path model_last() const { return dir / "model_last.petal"; }  // last epoch (resume point)
  std::filesystem::path history() const { return dir / "history.csv"; }
  std::filesystem::path plot() const { return dir / "plot.png"; }
  std::filesystem::path report() const { return dir / "report.txt"; }
  std::filesystem::path report_json() const { return dir / "report.json"; }
  std::filesystem::path confusion() const { return dir / "confusion.png"; }
  std::filesystem::path config() const { return dir / "config.json"; }
  std::filesystem::path log() const { return dir / "train.log"; }
  std::filesystem::path ema_state() const { return dir / "ema_state.npz"; }  // --ema: training weights for --resume
  std::filesystem::path checkpoint(int64_t epoch) const;  // checkpoints/epoch_NNN.petal (1-based)
};

// The columns of history.csv after "epoch".
const std::vector<std::string>& history_columns();

// train.log: each line is written to the file with a time stamp and, when
// `echo` is set, to it as it is (the console); control bytes and invalid UTF-8
// (from paths and names) are written as \xNN.
class RunLog {
 public:
  // An empty path writes no file (echo only).
  RunLog(const std::filesystem::path& path, std::ostream* echo, bool append);
  void line(const std::string& text);
  // To the file only.
  void file_line(const std::string& text);

 private:
  std::ofstream file_;
  std::ostream* echo_;
};

struct RunRecorderOptions {
  std::string monitor = "val_loss";
  int64_t checkpoint_every = 0;  // 0: no checkpoints/ copies
  // Earlier epochs of a resumed run (history.csv read back), continued here.
  std::map<std::string, std::vector<double>> history = {};
  RunLog* log = nullptr;  // one line per epoch when set
};

// Logs "lr" as the rate the optimizer's next step uses (with Keras's decay
// applied: lr / (1 + decay * iterations)); place it after the callbacks that
// change the learning rate.
class RunRecorder : public Callback {
 public:
  RunRecorder(RunPaths paths, RunRecorderOptions options);
  void on_train_begin(Logs& logs) override;
  void on_epoch_begin(int64_t epoch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;

  // Every epoch so far, resumed ones included.
  const std::map<std::string, std::vector<double>>& history() const { return history_; }
  int64_t best_epoch() const { return best_epoch_; }  // 0-based; -1 before any
  double best() const { return best_; }
  // Epochs in history.csv (and model_last.petal), resumed ones included.
  int64_t epochs_recorded() const;
  // An epoch for which `discard` answers true at its end is not recorded (an
  // interrupt cut it short: model_last.petal keeps the last complete epoch).
  void discard_epoch_if(std::function<bool()> discard) { discard_ = std::move(discard); }

 private:
  RunPaths paths_;
  RunRecorderOptions options_;
  Monitor monitor_;
  std::map<std::string, std::vector<double>> history_;
  double best_;
  int64_t best_epoch_ = -1;
  std::chrono::steady_clock::time_point epoch_start_;
  std::function<bool()> discard_;
};

}  // namespace petal
