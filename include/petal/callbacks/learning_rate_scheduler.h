// LearningRateScheduler: sets the learning rate at each epoch's start from
// schedule(epoch, current_lr), and logs "lr" (Keras 2.2.4).
#pragma once

#include <functional>

#include "petal/callbacks/callback.h"

namespace petal {

class LearningRateScheduler : public Callback {
 public:
  using Schedule = std::function<double(int64_t epoch, double lr)>;
  explicit LearningRateScheduler(Schedule schedule, int verbose = 0);
  void on_epoch_begin(int64_t epoch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;

 private:
  Schedule schedule_;
  int verbose_;
};

}  // namespace petal
