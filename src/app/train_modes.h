// The three ways to train (Keras's fit, fit_generator, and a train_on_batch
// loop) over the trainer's data, driving the same callbacks.
#pragma once

#include <vector>

#include "petal/app/dataset.h"
#include "petal/app/train_config.h"
#include "petal/model/model.h"

namespace petal::detail {

struct ModeInputs {
  const TrainConfig* config = nullptr;
  const Dataset* data = nullptr;
  Tensor train_x, train_y;    // raw pixels (unless the data is streamed from CSV)
  ValidationData validation;  // preprocessed
  std::vector<CallbackPtr> callbacks;
  int64_t initial_epoch = 0;
  uint64_t seed = 0;          // of batch order and augmentation
};

// Batches per epoch: train_samples // batch_size (at least 1), as the tutorial.
int64_t steps_per_epoch(const TrainConfig& config, int64_t train_samples);

History run_mode(Model& model, ModeInputs& in);

}  // namespace petal::detail
