// EarlyStopping: stop when the monitored value stops improving (Keras 2.2.4).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "petal/callbacks/callback.h"
#include "petal/callbacks/monitor.h"
#include "petal/core/tensor.h"

namespace petal {

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  int64_t patience = 0;
  int verbose = 0;
  MonitorMode mode = MonitorMode::Auto;
  std::optional<double> baseline = std::nullopt;
  bool restore_best_weights = false;
};

class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;
  // wait, stopped_epoch, best, and the best weights (restore_best_weights).
  std::string state_key() const override { return "EarlyStopping"; }
  CallbackState state() const override;
  void restore(const CallbackState& state) override;

  int64_t stopped_epoch() const { return stopped_epoch_; }
  double best() const { return best_; }

 private:
  EarlyStoppingOptions options_;
  Monitor monitor_;
  int64_t wait_ = 0, stopped_epoch_ = 0;
  double best_ = 0;
  std::vector<Tensor> best_weights_;
};

}  // namespace petal
