// The data-parallel training strategy: data shards per rank, sharded
// validation, global logs, rank-0 writers, shared stop decisions, replicas
// reconciled every epoch, and abort on a rank's failure.
#include <memory>
#include <vector>

#include "distributed/comm.h"
#include "petal/model/model.h"
#include "train/strategy.h"
#include "petal/callbacks/csv_logger.h"
#include "petal/callbacks/model_checkpoint.h"
#include "petal/callbacks/progbar_logger.h"
#include "petal/core/error.h"
#include "petal/distributed/distribute.h"

namespace petal::detail {

namespace {

// Counts the samples an evaluation saw (its batch logs carry "size").
class SampleCounter final : public Callback {
 public:
  void on_test_batch_end(int64_t, Logs& logs) override {
    samples += static_cast<int64_t>(logs.get("size").value_or(0));
  }
  int64_t samples = 0;
};

// Means over ranks in the model's metric order (a rank with no samples adds nothing).
Logs global_means(Model& model, const Logs& local, int64_t samples) {
  Logs ordered;
  for (const auto& name : model.metrics_names()) ordered.set(name, samples > 0 ? local.get(name).value_or(0.0) : 0.0);
  return average_logs(ordered, samples);
}

// How many of batches rank, rank + ranks, ... lie below `total`.
int64_t shard_batches(int64_t total, int rank, int ranks) {
  return total > rank ? (total - rank + ranks - 1) / ranks : 0;
}

// Validation on this rank's shard (arrays: an even split of the rows; a Sequence:
// every size-th batch; a Generator: validation_steps batches of this rank's own
// generator), reported as sample-weighted means over all ranks.
std::function<Logs(int64_t)> sharded_validator(Model& model, const ValidationSource& source, int64_t steps, int rank,
                                               int ranks) {
  if (const auto* v = std::get_if<ValidationData>(&source)) {
    const auto [begin, count] = split_evenly(v->x.rows(), rank, ranks);
    auto shard = std::make_shared<ValidationData>();
    if (count > 0) {
      shard->x = v->x.slice(begin, begin + count);
      shard->y = v->y.slice(begin, begin + count);
      if (!v->sample_weight.empty()) shard->sample_weight = v->sample_weight.slice(begin, begin + count);
    }
    return [&model, shard, samples = count](int64_t last_batch) {
      Logs local;
      if (samples > 0) {
        local = model.evaluate(shard->x, shard->y,
                               {.batch_size = std::max<int64_t>(last_batch, 1), .sample_weight = shard->sample_weight});
      }
      return global_means(model, local, samples);
    };
  }
  if (auto* const* g = std::get_if<Generator*>(&source)) {
    if (steps < 1) {
      throw ConfigError("fit: validation_steps is required when validation_data is a generator; received " +
                        std::to_string(steps) + ".");
    }
    Generator* gen = *g;
    return [&model, gen, steps](int64_t) {
      auto counter = std::make_shared<SampleCounter>();
      const Logs local = model.evaluate_generator(*gen, {.steps = steps, .workers = 0, .callbacks = {counter}});
      return global_means(model, local, counter->samples);
    };
  }
  Sequence* seq = std::get<Sequence*>(source);
  return [&model, seq, steps, rank, ranks](int64_t) {
    const int64_t total = steps > 0 ? steps : seq->size();
    ShardedSequence shard(*seq, rank, ranks, shard_batches(total, rank, ranks));
    auto counter = std::make_shared<SampleCounter>();
    Logs local;
    if (shard.size() > 0) {
      local = model.evaluate_generator(shard, {.steps = shard.size(), .workers = 0, .callbacks = {counter}});
    }
    return global_means(model, local, counter->samples);
  };
}

// Data-parallel over the job's ranks; installs the gradient reduction on the
// model for its lifetime unless the model already has one. Inactive (every
// hook passes values through) in a single process.
class DataParallel final : public TrainStrategy {
 public:
  explicit DataParallel(Model& model) : model_(model), comm_(Comm::instance()) {
    if (comm_.size() > 1 && !is_distributed(model)) {
      distribute(model);
      installed_ = true;
    }
  }
  ~DataParallel() override {
    if (installed_) undistribute(model_);
  }
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const override { return comm_.rank(); }
  int ranks() const override { return comm_.size(); }
  uint64_t common(uint64_t value) const override {
    comm_.broadcast(&value, sizeof value, 0);
    return value;
  }
  bool runs_here(const Callback& cb) const override {
    if (comm_.rank() == 0) return true;
    return !dynamic_cast<const ProgbarLogger*>(&cb) && !dynamic_cast<const ModelCheckpoint*>(&cb) &&
           !dynamic_cast<const CSVLogger*>(&cb);
  }
  Logs global_logs(const Logs& local, int64_t samples, int64_t& total) const override {
    total = samples;
    if (!active()) return local;
    return average_logs(local, samples, &total);
  }
  bool any(bool flag) const override {
    if (!active()) return flag;
    int64_t v = flag ? 1 : 0;
    comm_.allreduce_max(&v, 1);
    return v != 0;
  }
  void end_epoch(Model& model) override {
    if (!active()) return;
    average_buffers(model);
    check_same_weights(model);
  }
  std::function<Logs(int64_t)> validator(Model& model, const ValidationSource& source, int64_t steps) const override {
    return sharded_validator(model, source, steps, comm_.rank(), comm_.size());
  }
  void fail(const std::exception& error) const override {
    if (active()) comm_.abort(error.what(), 1);
  }

 private:
  bool active() const { return comm_.size() > 1; }
  Model& model_;
  Comm& comm_;
  bool installed_ = false;
};

}  // namespace

std::unique_ptr<TrainStrategy> make_strategy(Model& model, bool distributed) {
  if (!distributed) return std::make_unique<TrainStrategy>();
  return std::make_unique<DataParallel>(model);
}

}  // namespace petal::detail
