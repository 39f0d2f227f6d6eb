// The two kinds of batch sources fit_generator accepts, as in Keras:
// an endless Generator, and a Sequence (a fixed number of batches, by index).
#pragma once

#include <cstdint>

#include "petal/core/tensor.h"
#include "petal/core/tensor_list.h"

namespace petal {

// One batch: inputs x [N, ...], targets y [N, ...] (one tensor per model input
// and output; a single tensor converts) and optional per-sample weights [N]
// (empty tensor when absent). Batch sizes may vary between batches.
struct Batch {
  TensorList x;
  TensorList y;
  Tensor sample_weight;
};

// An endless source of batches (Keras's Python generator). next() is never
// called from two threads at once; the prefetch queue serialises calls.
class Generator {
 public:
  virtual ~Generator() = default;
  virtual Batch next() = 0;
  // Positions the generator as if next() had been called `batches` times since it
  // was made (fit_generator calls it with initial_epoch * steps_per_epoch, so that a
  // resumed run sees the batches an uninterrupted one would). Returns false when
  // the generator cannot seek (the default): it then continues where it is, as
  // Keras's generators do.
  virtual bool seek(int64_t /*batches*/) { return false; }
};

// A finite, indexable epoch of batches (keras.utils.Sequence). get() must be safe
// to call concurrently for different indices, and must return the same batch for
// the same (epoch, index) whatever thread or order it is called in.
class Sequence {
 public:
  virtual ~Sequence() = default;
  // Batches per epoch.
  virtual int64_t size() const = 0;
  virtual Batch get(int64_t index) = 0;
  // Called by the training loop after each epoch (e.g. to reshuffle).
  virtual void on_epoch_end() {}
  // Positions a seeded sequence at the start of `epoch` (as if on_epoch_end had
  // been called `epoch` times), so that a resumed run sees the batches an
  // uninterrupted one would. Called before the first batch of a run.
  virtual void set_epoch(int64_t /*epoch*/) {}
};

}  // namespace petal
