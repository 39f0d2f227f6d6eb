// ReduceLROnPlateau: multiply the learning rate by `factor` after `patience`
// epochs without improvement (Keras 2.2.4), and log "lr" each epoch.
#pragma once

#include <string>

#include "petal/callbacks/callback.h"
#include "petal/callbacks/monitor.h"

namespace petal {

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int64_t patience = 10;
  int verbose = 0;
  MonitorMode mode = MonitorMode::Auto;
  double min_delta = 1e-4;
  int64_t cooldown = 0;
  double min_lr = 0.0;
};

class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  // best, wait and the cooldown counter (the rate itself is the optimizer's, saved with it).
  std::string state_key() const override { return "ReduceLROnPlateau"; }
  CallbackState state() const override;
  void restore(const CallbackState& state) override;

 private:
  ReduceLROnPlateauOptions options_;
  Monitor monitor_;
  double best_ = 0;
  int64_t wait_ = 0, cooldown_counter_ = 0;
};

}  // namespace petal
