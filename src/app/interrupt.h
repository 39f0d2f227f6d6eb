// SIGINT / SIGTERM during petal train: the first signal asks the run to stop at the
// end of the current step; a second one ends the process at once.
#pragma once

#include "petal/callbacks/callback.h"

namespace petal::detail {

// Installs the handlers for its lifetime (restoring the previous ones after) and
// clears any earlier request. The request is a process-wide atomic flag, as a
// signal handler can reach nothing else.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  // The signal received (SIGINT or SIGTERM), 0 when none.
  static int signal();
};

// At each batch end, a pending interrupt sets model.stop_training (the loop ends
// the epoch there: cut short, so RunRecorder does not record it); at an epoch end
// it stops after that complete epoch. It must come after every callback that
// saves the model, or an epoch-end stop would be saved as training's own.
class StopOnInterrupt : public Callback {
 public:
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  // The epoch now ending was cut short by an interrupt.
  bool epoch_cut() const { return cut_; }

 private:
  bool cut_ = false;
};

}  // namespace petal::detail
