// The distributed side of the training loops: sharded validation, global logs,
// rank-0 writers, shared stop decisions and abort on failure.
#include "distributed/fit_support.h"

#include <memory>
#include <vector>

#include "distributed/comm.h"
#include "distributed/gradient_sync.h"
#include "model/sequential_impl.h"
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
Logs global_means(Sequential& model, const Logs& local, int64_t samples) {
  Logs ordered;
  for (const auto& name : model.metrics_names()) ordered.set(name, samples > 0 ? local.get(name).value_or(0.0) : 0.0);
  return average_logs(ordered, samples);
}

// How many of batches rank, rank + ranks, ... lie below `total`.
int64_t shard_batches(int64_t total, int rank, int ranks) {
  return total > rank ? (total - rank + ranks - 1) / ranks : 0;
}

}  // namespace

std::pair<int, int> shard_position(bool distributed) {
  if (!distributed) return {0, 1};
  const Comm& comm = Comm::instance();
  return {comm.rank(), comm.size()};
}

uint64_t root_value(uint64_t value, bool distributed) {
  if (distributed) Comm::instance().broadcast(&value, sizeof value, 0);
  return value;
}

std::pair<int64_t, int64_t> split_evenly(int64_t count, int rank, int size) {
  const int64_t q = count / size, r = count % size;
  return {rank * q + std::min<int64_t>(rank, r), q + (rank < r ? 1 : 0)};
}

std::function<Logs(int64_t)> sharded_validator(Sequential& model, const ValidationSource& source, int64_t steps) {
  const auto [rank, ranks] = shard_position(true);
  if (const auto* v = std::get_if<ValidationData>(&source)) {
    const auto [begin, count] = split_evenly(v->x.dim(0), rank, ranks);
    auto shard = std::make_shared<ValidationData>();
    if (count > 0) {
      shard->x = v->x.slice(begin, begin + count);
      shard->y = v->y.slice(begin, begin + count);
      if (!v->sample_weight.empty()) shard->sample_weight = v->sample_weight.slice(begin, begin + count);
    }
    return [&model, shard, count](int64_t last_batch) {
      Logs local;
      if (count > 0) {
        local = model.evaluate(shard->x, shard->y,
                               {.batch_size = std::max<int64_t>(last_batch, 1), .sample_weight = shard->sample_weight});
      }
      return global_means(model, local, count);
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

DistributedLoop::DistributedLoop(Sequential& model) : model_(model), comm_(Comm::instance()) {
  if (comm_.size() > 1 && !is_distributed(model)) {
    distribute(model);
    installed_ = true;
  }
}

DistributedLoop::~DistributedLoop() {
  if (installed_) undistribute(model_);
}

bool DistributedLoop::active() const { return comm_.size() > 1; }
bool DistributedLoop::is_root() const { return comm_.rank() == 0; }

bool DistributedLoop::runs_here(const Callback& cb) const {
  if (is_root()) return true;
  return !dynamic_cast<const ProgbarLogger*>(&cb) && !dynamic_cast<const ModelCheckpoint*>(&cb) &&
         !dynamic_cast<const CSVLogger*>(&cb);
}

Logs DistributedLoop::average(const Logs& local, int64_t samples, int64_t& total) const {
  total = samples;
  if (!active()) return local;
  return average_logs(local, samples, &total);
}

bool DistributedLoop::any(bool flag) const {
  if (!active()) return flag;
  int64_t v = flag ? 1 : 0;
  comm_.allreduce_max(&v, 1);
  return v != 0;
}

void DistributedLoop::end_epoch() {
  if (!active()) return;
  average_buffers(model_);
  check_same_weights(model_);
}

void DistributedLoop::abort_if_active(const std::exception& error) const {
  if (active()) comm_.abort(error.what(), 1);
}

}  // namespace petal::detail
