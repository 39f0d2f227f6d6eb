// Learning-rate schedules with warm-up as callbacks: CosineDecay (Keras 3's
// CosineDecay with its linear warm-up, as a callback) and OneCycle (PyTorch's
// OneCycleLR, two phases, cosine annealing). Each is a pure function of the
// global step (the optimizer's iterations, saved in model files) or of the
// epoch index, so a resumed run gets the rates an uninterrupted one would.
#pragma once

#include <cstdint>
#include <optional>

#include "petal/callbacks/callback.h"

namespace petal {

// Step: the rate is set before every training batch from the optimizer's
// iterations. Epoch: it is set at each epoch's start from the epoch index.
enum class ScheduleUnit { Step, Epoch };

struct CosineDecayOptions {
  double initial_learning_rate = 0.01;
  // Steps (epochs with ScheduleUnit::Epoch) of the cosine from its start rate down
  // to alpha * that rate; required >= 1. Later steps stay at the floor.
  int64_t decay_steps = 0;
  double alpha = 0.0;  // the floor, a fraction of the rate the decay starts from
  // With a warmup_target, the rate first rises linearly from
  // initial_learning_rate to warmup_target over warmup_steps, then decays from
  // warmup_target (Keras 3). Without one, warmup_steps is ignored.
  std::optional<double> warmup_target = std::nullopt;
  int64_t warmup_steps = 0;
  ScheduleUnit unit = ScheduleUnit::Step;
  int verbose = 0;  // 1: print each epoch's rate (epoch unit)
};

// lr(s) = from * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha),
// s = min(step - warmup_steps, decay_steps); warm-up: init + (target - init) * step / warmup_steps.
class CosineDecay : public Callback {
 public:
  explicit CosineDecay(CosineDecayOptions options);
  double operator()(int64_t step) const;  // the rate at a step (or epoch)
  void on_epoch_begin(int64_t epoch, Logs& logs) override;
  void on_train_batch_begin(int64_t batch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;  // logs "lr"

 private:
  CosineDecayOptions options_;
};

struct OneCycleOptions {
  double max_learning_rate = 0.01;
  int64_t total_steps = 0;  // steps (or epochs) of the whole cycle; required >= 1
  double pct_start = 0.3;   // fraction of the cycle spent rising to max_learning_rate
  double div_factor = 25.0;        // initial rate = max / div_factor
  double final_div_factor = 1e4;   // final rate = initial / final_div_factor
  ScheduleUnit unit = ScheduleUnit::Step;
  int verbose = 0;
};

// PyTorch's OneCycleLR (three_phase=False, anneal_strategy='cos'): the rate rises
// from max/div_factor to max over the first pct_start * total_steps - 1 steps and
// falls to max/div_factor/final_div_factor at step total_steps - 1 (held after),
// each phase a half cosine. Momentum is not cycled (departure from PyTorch).
class OneCycle : public Callback {
 public:
  explicit OneCycle(OneCycleOptions options);
  double operator()(int64_t step) const;
  void on_epoch_begin(int64_t epoch, Logs& logs) override;
  void on_train_batch_begin(int64_t batch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;  // logs "lr"

 private:
  OneCycleOptions options_;
};

}  // namespace petal
