// The epoch/batch loop shared by fit and fit_generator: callbacks in Keras's
// order (ProgbarLogger, user callbacks, History), Keras's BaseLogger epoch
// means (sample-weighted), validation after each completed epoch between the
// callbacks' on_test_begin and on_test_end (as Keras 2.3+ and tf.keras).
#pragma once

#include <functional>

#include "petal/data/sequence.h"
#include "petal/model/model.h"
#include "train/strategy.h"

namespace petal::detail {

class EpochSource {
 public:
  virtual ~EpochSource() = default;
  virtual void begin_epoch(int64_t /*epoch*/) {}
  // The next training batch; the reference stays valid until the next call.
  virtual const Batch& next() = 0;
};

struct LoopSettings {
  int64_t epochs = 1, initial_epoch = 0, steps_per_epoch = 0;
  int verbose = 1;
  std::vector<CallbackPtr> callbacks;
  bool count_steps = false;  // progress in steps (generators) or samples (arrays)
  int64_t batch_size = 0, samples = 0;
  ClassWeights class_weight;
  // Validation logs (unprefixed) given the last training batch's size; empty = none.
  std::function<Logs(int64_t last_batch_size)> validate;
};

History run_fit_loop(Model& model, EpochSource& source, const LoopSettings& settings, TrainStrategy& strategy);

// Accumulates batch logs into sample-weighted means (Keras's BaseLogger and test loop).
class WeightedMeans {
 public:
  void add(const Logs& logs, int64_t batch_size);
  Logs means() const;

 private:
  std::vector<std::pair<std::string, double>> sums_;
  int64_t seen_ = 0;
};

}  // namespace petal::detail
