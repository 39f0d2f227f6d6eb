// Options of the training loops, by the stage of the pipeline they belong to:
//   data split       validation_split (last fraction, before shuffling), validation_data
//   Batcher          batch_size, shuffle (reshuffled every epoch from seed), steps_per_epoch
//   Prefetcher       max_queue_size, workers (fit_generator only)
//   train_step       class_weight, sample_weight (train_on_batch's weighting)
//   fit loop         epochs (index of the final epoch), initial_epoch, validation_steps
//   callbacks        verbose (ProgbarLogger), callbacks (user hooks; History is always added)
//   distributed      data-parallel over the ranks of an MPI job (docs/distributed.md)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "petal/callbacks/callback.h"
#include "petal/core/tensor.h"
#include "petal/core/tensor_list.h"
#include "petal/data/sequence.h"

namespace petal {

using ClassWeights = std::map<int64_t, double>;

// Validation arrays (one per model input / output); sample_weight [N] is optional.
struct ValidationData {
  TensorList x = {};
  TensorList y = {};
  Tensor sample_weight = {};
};

// Where validation batches come from. Generator and Sequence pointers are the
// caller's and must outlive the fit call.
using ValidationSource = std::variant<std::monostate, ValidationData, Generator*, Sequence*>;

struct FitOptions {
  int64_t batch_size = 32;
  int64_t epochs = 1;
  int verbose = 1;  // 0 silent, 1 progress bar, 2 one line per epoch
  std::vector<CallbackPtr> callbacks = {};
  double validation_split = 0.0;
  ValidationSource validation_data = {};
  bool shuffle = true;
  ClassWeights class_weight = {};
  Tensor sample_weight = {};
  int64_t initial_epoch = 0;
  int64_t steps_per_epoch = 0;  // 0: one pass over the data per epoch
  int64_t validation_steps = 0;  // required when validation_data is a Generator
  std::optional<uint64_t> seed = std::nullopt;  // shuffling; default: the model's seed
  // Data-parallel over the ranks of an MPI job: batch_size is per rank, each rank
  // trains on its shard of every epoch, gradients and logs are averaged over
  // ranks, files are written by rank 0 only. No effect in a single process.
  bool distributed = false;
};

struct FitGeneratorOptions {
  int64_t steps_per_epoch = 0;  // required for a Generator; default Sequence::size()
  int64_t epochs = 1;
  int verbose = 1;
  std::vector<CallbackPtr> callbacks = {};
  ValidationSource validation_data = {};
  int64_t validation_steps = 0;
  ClassWeights class_weight = {};
  int64_t max_queue_size = 10;
  int workers = 1;  // 0: batches are made on the calling thread
  bool shuffle = true;  // Sequence only: reorders its batches every epoch
  // Batches are taken from position initial_epoch * steps_per_epoch of the stream
  // (a Sequence mid-pass, Generator::seek), so a resumed run sees an
  // uninterrupted one's batches; callback states the model holds are restored
  // when initial_epoch == the model's epochs_completed().
  int64_t initial_epoch = 0;
  std::optional<uint64_t> seed = std::nullopt;
  // As FitOptions::distributed; a Sequence is sharded by batch (steps_per_epoch is
  // per rank), a Generator must yield each rank's own data (seed it by rank).
  bool distributed = false;
};

struct EvaluateOptions {
  int64_t batch_size = 32;
  int verbose = 0;
  Tensor sample_weight = {};
  std::vector<CallbackPtr> callbacks = {};
  // Test-time augmentation: outputs are the mean of the outputs for the images
  // and for their mirror images (left-right), NHWC inputs only
  // (petal/model/test_time_augmentation.h).
  bool tta = false;
};

struct GeneratorRunOptions {
  int64_t steps = 0;  // required for a Generator; default Sequence::size()
  int64_t max_queue_size = 10;
  int workers = 1;
  int verbose = 0;
  std::vector<CallbackPtr> callbacks = {};
  bool tta = false;  // as EvaluateOptions::tta (evaluate_generator, predict_generator)
};

struct PredictOptions {
  int64_t batch_size = 32;
  int verbose = 0;
  bool tta = false;  // as EvaluateOptions::tta
};

}  // namespace petal
