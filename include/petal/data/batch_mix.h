// Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) as a batch-level stage
// of the data pipeline: a Sequence or Generator wrapping another one and mixing
// each batch's images and one-hot targets with a permutation of the same batch.
#pragma once

#include <atomic>
#include <cstdint>

#include "petal/core/rng.h"
#include "petal/data/sequence.h"

namespace petal {

struct BatchMixOptions {
  double mixup_alpha = 0.0;   // > 0: mixup, lambda ~ Beta(alpha, alpha) per batch
  double cutmix_alpha = 0.0;  // > 0: CutMix, lambda ~ Beta(alpha, alpha) per batch
  double switch_prob = 0.5;   // both on: the chance a batch takes CutMix, else mixup (timm's rule)
  double prob = 1.0;          // the chance a batch is mixed at all
  uint64_t seed = 0;          // batch b's draws come from this seed and b (see the sources)
};

// A Beta(a, b) draw (from two Gamma draws, Marsaglia and Tsang); a, b > 0.
double beta_sample(Rng& rng, double a, double b);

// Mixes `batch` in place with the draws of `rng`:
//   mixup:  x = lam * x + (1 - lam) * x[perm], y likewise;
//   CutMix: a box of about (1 - lam) of the image, centred uniformly and clipped
//           to it (the paper's rand_bbox), is copied from x[perm]; y is mixed
//           with the box's exact area fraction: y = (1 - a) * y + a * y[perm].
// perm is a random permutation of the batch. Targets must be dense ([N, K],
// one-hot or already soft), so cross-entropy of the mixed target is the paper's
// mixed loss; sample weights stay with their rows. CutMix needs x [N, H, W, C].
// DataError for class-index targets, ShapeError for CutMix on non-images.
void mix_batch(Batch& batch, const BatchMixOptions& options, Rng& rng);

// ConfigError for alphas < 0 or non-finite, probabilities outside [0, 1], or both alphas 0.
void validate(const BatchMixOptions& options);

// Batch i of epoch e is the inner batch mixed with Rng(seed).fork(e).fork(i): a
// pure function of (seed, e, i), so workers may make batches in any order. The
// epoch follows set_epoch/on_epoch_end, which are forwarded. `inner` must
// outlive this object.
class MixSequence : public Sequence {
 public:
  MixSequence(Sequence& inner, BatchMixOptions options);
  int64_t size() const override { return inner_.size(); }
  Batch get(int64_t index) override;
  void on_epoch_end() override;
  void set_epoch(int64_t epoch) override;

 private:
  Sequence& inner_;
  BatchMixOptions options_;
  std::atomic<int64_t> epoch_{0};
};

// The n-th batch taken is the inner generator's n-th mixed with Rng(seed).fork(n).
class MixGenerator : public Generator {
 public:
  MixGenerator(Generator& inner, BatchMixOptions options);
  Batch next() override;
  // Seeks the inner generator too; false (nothing moved) when it cannot.
  bool seek(int64_t batches) override;

 private:
  Generator& inner_;
  BatchMixOptions options_;
  uint64_t taken_ = 0;
};

}  // namespace petal
