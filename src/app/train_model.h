// The model a training run starts from: a fresh built-in one, a model file
// given as --model, or model_last.petal of a resumed run; compiled with the
// run's optimizer and loss, and checked against the data and the machine.
#pragma once

#include <cstdint>
#include <memory>

#include "petal/app/dataset.h"
#include "petal/app/run_dir.h"
#include "petal/app/train_config.h"
#include "petal/model/model.h"
#include "petal/optimizers/optimizer.h"

namespace petal::detail {

std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& c);
// The model and a batch must fit before anything is decoded or built
// (ConfigError with the estimate otherwise).
void check_training_memory(const TrainConfig& c);
// The model to train, for `d`'s image size and classes; `resume` reads
// p.model_last() and checks it against the run's recorded config.
Model make_model(const TrainConfig& c, const Dataset& d, const RunPaths& p, bool resume);

}  // namespace petal::detail
