// The gradient hook of a distributed model: weights broadcast at the first step,
// then gradients averaged over ranks in fused buckets, overlapped with backward.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "distributed/comm.h"
#include "distributed/reduce_worker.h"
#include "model/gradient_hook.h"
#include "petal/distributed/distribute.h"
#include "petal/layers/layer.h"

namespace petal::detail {

class GradientSync final : public GradientHook {
 public:
  GradientSync(Comm& comm, const DistributedOptions& options);
  // Aborts the job when a step was left with reductions in flight (an exception
  // during backward): the other ranks are inside those collectives.
  ~GradientSync() override;
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  void begin_step(Model& model, std::span<Param* const> params, int64_t batch_size) override;
  void layer_done(size_t layer_index) override;
  void end_step() override;

  const DistributedStats& stats() const { return stats_; }
  // Restarts the timing means (sizes stay).
  void reset_stats() {
    stats_.steps = 0;
    stats_.pack_ms = stats_.exposed_ms = stats_.window_ms = 0;
    sum_pack_ms_ = sum_exposed_ms_ = sum_window_ms_ = 0;
  }

 private:
  // One trainable parameter's gradient in the fusion buffer.
  struct Entry {
    float* grad;
    int64_t size;
    int64_t offset;  // in buffer_
  };
  // A contiguous run of buffer_: the gradients of layers [first_layer, ...]
  // (reverse layer order, as backward produces them) and one count slot.
  struct Bucket {
    std::vector<Entry> entries;
    int64_t begin = 0, count_slot = 0;  // the bucket is buffer_[begin, count_slot]
    size_t first_layer = 0;             // its lowest layer index: the last to finish
  };

  bool same_storage(std::span<Param* const> params) const;
  void rebuild(Model& model);
  void start(Bucket& b);
  void finish(Bucket& b);

  Comm& comm_;
  DistributedOptions options_;
  std::unique_ptr<ReduceWorker> worker_;  // with options_.reduce_thread
  std::vector<std::pair<const float*, int64_t>> signature_;  // grad storage seen at the last rebuild
  int64_t checked_fingerprint_ = 0;
  bool synced_ = false;
  std::vector<float> buffer_;  // all buckets; allocated once per model layout
  std::vector<Bucket> buckets_;
  size_t next_ = 0;            // next bucket to start this step
  bool reducing_ = false;      // buckets started and not yet waited for
  float samples_ = 0;          // this rank's batch size this step
  DistributedStats stats_;
  double sum_pack_ms_ = 0, sum_exposed_ms_ = 0, sum_window_ms_ = 0;
  std::chrono::steady_clock::time_point first_start_;  // when this step's first bucket started
};

// Model's distributed hook, or null.
GradientSync* gradient_sync(const Model& model);

}  // namespace petal::detail
