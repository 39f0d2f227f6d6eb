// fit_generator: batches streamed from a Generator or Sequence through the
// Prefetcher, validation from arrays, a generator or a sequence.
#include "model/model_impl.h"
#include "petal/core/error.h"
#include "petal/data/prefetcher.h"
#include "train/train_loop.h"

namespace petal {

namespace {

class PrefetchSource final : public detail::EpochSource {
 public:
  explicit PrefetchSource(Prefetcher& p) : prefetcher_(p) {}
  const Batch& next() override {
    batch_ = prefetcher_.next();
    if (batch_.x.empty() || batch_.x.rows() == 0) {
      throw DataError("fit_generator: the generator yielded an empty batch (x of shape " +
                      (batch_.x.empty() ? std::string("[]") : to_string(batch_.x[0].shape())) +
                      "); expected [N, ...] with N >= 1.");
    }
    return batch_;
  }

 private:
  Prefetcher& prefetcher_;
  Batch batch_;
};

detail::LoopSettings generator_settings(const FitGeneratorOptions& o, int64_t steps) {
  if (o.epochs < o.initial_epoch) {
    throw ConfigError("fit_generator: epochs is the index of the final epoch and must be >= initial_epoch.");
  }
  detail::LoopSettings s;
  s.epochs = o.epochs;
  s.initial_epoch = o.initial_epoch;
  s.steps_per_epoch = steps;
  s.verbose = o.verbose;
  s.callbacks = o.callbacks;
  s.count_steps = true;
  s.class_weight = o.class_weight;
  return s;
}

std::function<Logs(int64_t)> validator(Model& model, const FitGeneratorOptions& o, const detail::TrainStrategy& st) {
  if (std::holds_alternative<std::monostate>(o.validation_data)) return {};
  return st.validator(model, o.validation_data, o.validation_steps);
}

}  // namespace

History Model::fit_generator(Generator& generator, const FitGeneratorOptions& o) {
  impl_->require_compiled("fit_generator");
  if (o.steps_per_epoch < 1) {
    throw ConfigError("fit_generator: steps_per_epoch is required with a generator, which never ends; received " +
                      std::to_string(o.steps_per_epoch) +
                      ".\nHint: pass the number of batches that make one epoch, e.g. samples / batch_size.");
  }
  detail::LoopSettings s = generator_settings(o, o.steps_per_epoch);
  Prefetcher prefetcher(generator, {.workers = o.workers, .max_queue_size = o.max_queue_size,
                                    .total = (o.epochs - o.initial_epoch) * o.steps_per_epoch,
                                    .first_batch = o.initial_epoch * o.steps_per_epoch});
  PrefetchSource source(prefetcher);
  std::unique_ptr<detail::TrainStrategy> strategy = detail::make_strategy(*this, o.distributed);
  s.validate = validator(*this, o, *strategy);
  return detail::run_fit_loop(*this, source, s, *strategy);
}

History Model::fit_generator(Sequence& full_sequence, const FitGeneratorOptions& o) {
  impl_->require_compiled("fit_generator");
  std::unique_ptr<detail::TrainStrategy> strategy = detail::make_strategy(*this, o.distributed);
  // Distributed: rank r takes batches r, r + ranks, ... (whole groups of ranks batches).
  const int rank = strategy->rank(), ranks = strategy->ranks();
  detail::ShardedSequence shard(full_sequence, rank, ranks, full_sequence.size() / ranks);
  Sequence& sequence = ranks > 1 ? static_cast<Sequence&>(shard) : full_sequence;
  const int64_t size = sequence.size();
  const int64_t steps = o.steps_per_epoch > 0 ? o.steps_per_epoch : size;
  if (steps < 1 && ranks == 1) throw DataError("fit_generator: the Sequence is empty (size() == 0).");
  if (steps < 1) {
    throw DataError("fit_generator: the Sequence has " + std::to_string(full_sequence.size()) + " batches; expected at "
                    "least one per rank (" + std::to_string(ranks) + " ranks).");
  }
  detail::LoopSettings s = generator_settings(o, steps);
  Prefetcher prefetcher(sequence, {.workers = o.workers, .max_queue_size = o.max_queue_size,
                                   .total = (o.epochs - o.initial_epoch) * steps, .shuffle = o.shuffle,
                                   .seed = strategy->common(o.seed.value_or(seed())),
                                   .first_batch = o.initial_epoch * steps});
  PrefetchSource source(prefetcher);
  s.validate = validator(*this, o, *strategy);
  return detail::run_fit_loop(*this, source, s, *strategy);
}

}  // namespace petal
