// What fit and fit_generator do differently with `.distributed = true`: data
// shards per rank, global (rank-averaged) logs, callbacks that write files on
// rank 0 only, one stop decision for all ranks, and abort on a rank's failure.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "petal/callbacks/callback.h"
#include "petal/data/sequence.h"
#include "petal/model/fit_options.h"
#include "petal/model/sequential.h"

namespace petal::detail {

class Comm;

// This process's place in the job: {rank, size}; {0, 1} when not distributed.
std::pair<int, int> shard_position(bool distributed);

// Rank 0's value on every rank (a shuffling seed must be the same everywhere, even
// when each rank built its model with its own seed); the value itself when not distributed.
uint64_t root_value(uint64_t value, bool distributed);

// Splits `count` items over `size` ranks as evenly as possible (lower ranks take
// the remainder): {offset, count} of rank `rank`'s contiguous part.
std::pair<int64_t, int64_t> split_evenly(int64_t count, int rank, int size);

// Rank `rank` of `ranks` sees batches rank, rank + ranks, rank + 2 ranks, ... of
// `inner`, `size` of them (training: inner.size() / ranks, whole groups only).
class ShardedSequence final : public Sequence {
 public:
  ShardedSequence(Sequence& inner, int rank, int ranks, int64_t size)
      : inner_(inner), rank_(rank), ranks_(ranks), size_(size) {}
  int64_t size() const override { return size_; }
  Batch get(int64_t index) override { return inner_.get(index * ranks_ + rank_); }
  void on_epoch_end() override { inner_.on_epoch_end(); }
  void set_epoch(int64_t epoch) override { inner_.set_epoch(epoch); }

 private:
  Sequence& inner_;
  int rank_, ranks_;
  int64_t size_;
};

// Validation on this rank's shard (arrays: an even split of the rows; a Sequence:
// every size-th batch; a Generator: validation_steps batches of this rank's own
// generator), reported as sample-weighted means over all ranks.
std::function<Logs(int64_t)> sharded_validator(Sequential& model, const ValidationSource& source, int64_t steps);

// The distributed side of run_fit_loop. Inactive (every call a no-op that passes
// values through) in a single process.
class DistributedLoop {
 public:
  // Makes the model distributed for the loop's duration unless it already is.
  explicit DistributedLoop(Sequential& model);
  ~DistributedLoop();
  DistributedLoop(const DistributedLoop&) = delete;
  DistributedLoop& operator=(const DistributedLoop&) = delete;

  bool active() const;
  bool is_root() const;
  // Whether `cb` runs on this rank: the writers (progress bar, ModelCheckpoint,
  // CSVLogger) only on rank 0.
  bool runs_here(const Callback& cb) const;
  // Global batch logs and the global batch size.
  Logs average(const Logs& local, int64_t samples, int64_t& total) const;
  // True on every rank when it is true on any.
  bool any(bool flag) const;
  // Averages batch-norm moving statistics so all ranks agree at epoch ends.
  void end_epoch();
  // With more than one rank: prints the error and aborts the job; else returns.
  void abort_if_active(const std::exception& error) const;

 private:
  Sequential& model_;
  Comm& comm_;
  bool installed_ = false;
};

}  // namespace petal::detail
