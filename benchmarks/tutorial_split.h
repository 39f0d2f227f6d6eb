// The data a tutorial-preset run with `seed` loads (image size, decoding, channel
// order and test split as `petal train` resolves them), decoded into arrays, for
// the experiments that must see exactly that run's training and test images.
#pragma once

#include <cstdint>
#include <string>

#include "petal/app/dataset.h"
#include "petal/app/train_config.h"
#include "petal/app/trainer.h"

namespace petal {

inline DatasetOptions tutorial_split(const std::string& data, uint64_t seed) {
  TrainConfig c = tutorial_config();
  c.data = data;
  c.seed = seed;
  DatasetOptions o = dataset_options(c);
  o.stream_train_csv = false;  // arrays, also for the tutorial's CSV pair
  return o;
}

}  // namespace petal
