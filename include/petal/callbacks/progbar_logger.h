// Keras's progress bar (keras.utils.Progbar) and the ProgbarLogger callback that
// drives it: verbose 1 redraws one line in place on a terminal (one line per
// update otherwise), verbose 2 prints one line per epoch.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "petal/callbacks/callback.h"

namespace petal {

class Progbar {
 public:
  // dynamic: redraw in place with '\r' (a terminal); otherwise each update is a new line.
  Progbar(int64_t target, int verbose, std::ostream& out, bool dynamic, int width = 30);
  // current: units done; values: running-mean metrics weighted by the units since
  // the last update; finals: values shown as given (epoch means, val_*).
  void update(int64_t current, const std::vector<std::pair<std::string, double>>& values,
              const std::vector<std::pair<std::string, double>>& finals = {});

 private:
  std::string bar(int64_t current) const;
  static std::string format_metric(double v);

  int64_t target_;
  int verbose_;
  std::ostream& out_;
  bool dynamic_;
  int width_;
  std::chrono::steady_clock::time_point start_, last_update_;
  int64_t seen_ = 0;
  size_t total_width_ = 0;
  std::vector<std::pair<std::string, std::pair<double, double>>> sums_;  // name -> (sum, weight)
};

struct ProgbarLoggerOptions {
  bool count_steps = false;        // count in steps (generators) rather than samples
  std::ostream* out = nullptr;     // default std::cout
  int dynamic = -1;                // -1: redraw in place when out is a terminal
};

class ProgbarLogger : public Callback {
 public:
  explicit ProgbarLogger(ProgbarLoggerOptions options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_begin(int64_t epoch, Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;

 private:
  ProgbarLoggerOptions options_;
  std::unique_ptr<Progbar> bar_;
  int64_t seen_ = 0, target_ = 0;
  int verbose_ = 1;
};

}  // namespace petal
