// How a training loop is spread over processes: the local strategy trains in
// this process alone; the data-parallel one (src/distributed) shards the data,
// averages gradients and logs over the ranks of an MPI job and lets rank 0
// write files. The loops call these hooks unconditionally.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <utility>

#include "petal/callbacks/callback.h"
#include "petal/data/sequence.h"
#include "petal/model/fit_options.h"
#include "petal/model/logs.h"

namespace petal {
class Model;
}

namespace petal::detail {

class TrainStrategy {
 public:
  virtual ~TrainStrategy() = default;
  // This process's place: data shard `rank` of `ranks`.
  virtual int rank() const { return 0; }
  virtual int ranks() const { return 1; }
  // Rank 0's value on every rank (shuffling seeds must agree).
  virtual uint64_t common(uint64_t value) const { return value; }
  // Whether a callback runs here (file writers run on rank 0 only).
  virtual bool runs_here(const Callback&) const { return true; }
  // Batch logs over every rank, and the global batch size in `total`.
  virtual Logs global_logs(const Logs& local, int64_t samples, int64_t& total) const {
    total = samples;
    return local;
  }
  // True everywhere when true on any rank (stop decisions).
  virtual bool any(bool flag) const { return flag; }
  // At the end of every epoch (replicas reconciled).
  virtual void end_epoch(Model&) {}
  // The validation closure: logs given the last training batch's size.
  virtual std::function<Logs(int64_t)> validator(Model& model, const ValidationSource& source, int64_t steps) const;
  // A loop failed with `error` (other ranks must not wait for this one).
  virtual void fail(const std::exception&) const {}
};

// The data-parallel strategy when `distributed` (over the job's ranks; the
// gradient reduction is installed on the model until the strategy is
// destroyed), else the local one. Defined in src/distributed.
std::unique_ptr<TrainStrategy> make_strategy(Model& model, bool distributed);

// Validation on this process: arrays in batches of the last training batch's
// size, generators and sequences for `steps` batches on the calling thread.
std::function<Logs(int64_t)> local_validator(Model& model, const ValidationSource& source, int64_t steps);

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

}  // namespace petal::detail
