// ModelCheckpoint: save the model (or its weights) after epochs, to a templated
// file name such as "weights.{epoch:02d}-{val_loss:.2f}.petal" (Keras 2.2.4).
#pragma once

#include <string>

#include "petal/callbacks/callback.h"
#include "petal/callbacks/monitor.h"

namespace petal {

struct ModelCheckpointOptions {
  std::string filepath;
  std::string monitor = "val_loss";
  int verbose = 0;
  bool save_best_only = false;
  bool save_weights_only = false;  // .npz weights instead of a full model file
  MonitorMode mode = MonitorMode::Auto;
  int64_t period = 1;  // epochs between saves
};

class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(ModelCheckpointOptions options);
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  double best() const { return best_; }
  // The best value so far and the epochs since the last save.
  std::string state_key() const override { return "ModelCheckpoint"; }
  CallbackState state() const override;
  void restore(const CallbackState& state) override;

 private:
  ModelCheckpointOptions options_;
  Monitor monitor_;
  double best_;
  int64_t since_last_save_ = 0;
};

// Python str.format-style expansion of {epoch} and log names with an optional
// spec [0][width][.precision][d|f|e|g|s], e.g. "{epoch:02d}-{val_loss:.2f}".
// Throws ConfigError naming an unknown key and the available ones.
std::string format_filepath(const std::string& pattern, int64_t epoch, const Logs& logs);

}  // namespace petal
