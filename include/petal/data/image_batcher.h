// What flow() and flow_from_directory() share (Keras's Iterator base): the per-epoch
// sample order, batch bounds, per-sample random streams, the epoch position and save_to_dir.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "petal/core/rng.h"
#include "petal/core/shape.h"
#include "petal/core/tensor.h"

namespace petal {

class ImageDataGenerator;

struct BatcherOptions {
  int64_t batch_size = 32;
  bool shuffle = true;
  // Unset: drawn from std::random_device (Keras's seed=None is not reproducible).
  std::optional<uint64_t> seed{};
  // When set, every augmented sample is also written there as
  // "{save_prefix}_{index}_{hash}.{save_format}" (see FlowOptions).
  std::string save_to_dir{};
  std::string save_prefix{};
  std::string save_format = "png";
};

// Epoch e's order is a permutation drawn from Rng(seed).fork(2e) (identity when
// shuffle is off); the sample at position p of epoch e is transformed with
// Rng(seed).fork(2e + 1).fork(p). So batch (e, i) is a pure function of
// (seed, e, i) and of the samples, whichever thread makes it.
// Const methods are thread-safe; on_epoch_end/set_epoch/advance are not (they
// belong to the single consumer: the training loop or the prefetch queue).
class ImageBatcher {
 public:
  // Fills `scratch` with sample `index`'s raw pixels [H, W, C] (or points at them
  // elsewhere) and returns them; an empty span leaves the sample out of its batch.
  using SampleSource =
      std::function<std::span<const float>(int64_t index, std::vector<float>& scratch)>;

  // `context` starts configuration errors ("flow", "flow_from_directory('d')");
  // `name` starts index errors ("NumpyArrayIterator"). Checks batch_size and the
  // save options, creates save_to_dir and resolves the seed.
  ImageBatcher(std::string context, std::string name, int64_t num_samples,
               BatcherOptions options);

  int64_t num_samples() const { return n_; }
  int64_t batch_size() const { return options_.batch_size; }
  // ceil(n / batch_size); the last batch may be partial.
  int64_t size() const;
  uint64_t seed() const { return seed_; }
  const std::string& context() const { return context_; }

  // Sample indices of batch `index` of epoch `epoch`; ConfigError when out of range.
  std::vector<int64_t> batch_indices(int64_t epoch, int64_t index) const;
  // The random stream of the sample at `position` (0..n-1) of epoch `epoch`.
  Rng sample_rng(int64_t epoch, int64_t position) const;

  // x [k, H, W, C] of batch (epoch, index): per sample, source(i) then the
  // generator's random transform and standardize (and save_to_dir). `kept` gets
  // the sample indices of the k rows (samples the source left out are missing).
  Tensor make_x(const ImageDataGenerator& generator, int64_t epoch, int64_t index,
                const Shape& hwc, const SampleSource& source,
                std::vector<int64_t>& kept) const;

  // The consumer's position: get() uses epoch(); next() uses advance(), which
  // returns (epoch, batch index) and moves on, calling on_epoch_end() at the end
  // of an epoch.
  int64_t epoch() const { return epoch_.load(); }
  void on_epoch_end();
  void set_epoch(int64_t epoch);
  // advance()'s position: as if it had been called `batches` times from epoch 0.
  void seek(int64_t batches);
  std::pair<int64_t, int64_t> advance();

  // StateError when the generator needs featurewise statistics it has not fitted.
  static void check_fitted(const ImageDataGenerator& generator, const std::string& context);

 private:
  std::shared_ptr<const std::vector<int64_t>> order_for(int64_t epoch) const;
  void save(std::span<const float> image, const Shape& hwc, int64_t index, uint64_t hash) const;

  std::string context_, name_;
  int64_t n_ = 0;
  BatcherOptions options_;
  uint64_t seed_ = 0;
  std::atomic<int64_t> epoch_{0};
  int64_t next_batch_ = 0;  // advance()'s position within the current epoch

  mutable std::mutex order_mutex_;
  mutable int64_t cached_epoch_ = -1;
  mutable std::shared_ptr<const std::vector<int64_t>> cached_order_;
};

// Keras's array_to_img(x, scale=True) then save: pixels min-max scaled to 0..255,
// written with write_image (format from the extension). IoError names the file
// and starts with `context`.
void write_scaled_image(std::span<const float> image, const Shape& hwc, const std::string& path,
                        const std::string& context);

}  // namespace petal
