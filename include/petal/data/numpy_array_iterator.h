// ImageDataGenerator.flow(x, y): batches of augmented in-memory images, usable both
// as a Sequence (batch by index, thread-safe) and as an endless Generator.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "petal/core/tensor.h"
#include "petal/data/image_batcher.h"
#include "petal/data/sequence.h"

namespace petal {

class ImageDataGenerator;

// flow(subset=...): None uses all of x; with validation_split v and
// k = int(n * v), Validation takes the FIRST k samples and Training the rest
// (Keras's flow; fit()'s own validation_split takes the last ones instead).
// y and sample_weight are split with x. Unless ignore_class_split is set, the two
// sides must hold the same set of y values (Keras's np.unique check), else DataError.
enum class Subset { None, Training, Validation };

struct FlowOptions {
  int64_t batch_size = 32;
  bool shuffle = true;
  // Seed of the per-epoch order and of every sample's random transform. Unset:
  // drawn from std::random_device (Keras's seed=None is not reproducible either).
  std::optional<uint64_t> seed{};
  Tensor sample_weight{};  // [N] or empty
  Subset subset = Subset::None;
  // Keras checks that both subsets hold the same set of y values; this skips it.
  bool ignore_class_split = false;
  // When set, every augmented sample is also written there as
  // "{save_prefix}_{index}_{hash}.{save_format}", where index is the sample's row
  // in x (after the subset split) and hash a random number in [0, 10000) from
  // the sample's own random stream (as Keras's np.random.randint(1e4)). Pixels
  // are min-max scaled to 0..255 like Keras's array_to_img(scale=True); RGB(A) is
  // written as OpenCV's BGR(A). Formats: png, jpeg, jpg, bmp.
  std::string save_to_dir{};
  std::string save_prefix{};
  std::string save_format = "png";
};

// Keras's NumpyArrayIterator. The order and random streams are ImageBatcher's:
// epoch e's order is a permutation drawn from (seed, e) (identity when shuffle is
// off); the sample at position p of epoch e is transformed with
// Rng(seed).fork(2e + 1).fork(p). So batch(e, i) is a pure function of
// (seed, e, i): workers may call get() concurrently in any order.
class NumpyArrayIterator : public Sequence, public Generator {
 public:
  NumpyArrayIterator(std::shared_ptr<const ImageDataGenerator> generator, Tensor x, Tensor y,
                     FlowOptions options);

  // ceil(n / batch_size); the last batch may be partial.
  int64_t size() const override { return batcher_->size(); }
  // Batch `index` of the current epoch. Thread-safe.
  Batch get(int64_t index) override;
  // Advances to the next epoch (new order, new transforms). Must not run
  // concurrently with get().
  void on_epoch_end() override { batcher_->on_epoch_end(); }
  // Jumps to the start of epoch `epoch` (resuming a seeded run).
  void set_epoch(int64_t epoch) override { batcher_->set_epoch(epoch); }
  // Walks the batches of the current epoch, then calls on_epoch_end() and starts
  // again, forever. Use either next() or get()/on_epoch_end(), not both.
  Batch next() override;
  // next()'s position as if it had been called `batches` times from epoch 0.
  bool seek(int64_t batches) override {
    batcher_->seek(batches);
    return true;
  }

  // Batch `index` of epoch `epoch`, whatever the current epoch is.
  Batch batch(int64_t epoch, int64_t index) const;
  // The rows of x in batch `index` of epoch `epoch`.
  std::vector<int64_t> batch_indices(int64_t epoch, int64_t index) const {
    return batcher_->batch_indices(epoch, index);
  }

  int64_t num_samples() const { return batcher_->num_samples(); }
  int64_t epoch() const { return batcher_->epoch(); }
  uint64_t seed() const { return batcher_->seed(); }

 private:
  std::shared_ptr<const ImageDataGenerator> generator_;
  Tensor x_;              // [n, H, W, C]
  Tensor y_;              // [n, ...] or empty
  Tensor sample_weight_;  // [n, ...] or empty
  std::unique_ptr<ImageBatcher> batcher_;  // order, streams, epoch position, saving
};

}  // namespace petal
