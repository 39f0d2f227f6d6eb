// The shared training loop.
#include "train/train_loop.h"

#include <algorithm>

#include "petal/callbacks/progbar_logger.h"
#include "petal/core/error.h"
#include "train/callback_resume.h"

namespace petal::detail {

void WeightedMeans::add(const Logs& logs, int64_t batch_size) {
  for (const auto& entry : logs) {
    const std::string& k = entry.first;
    if (k == "batch" || k == "size") continue;
    auto it = std::find_if(sums_.begin(), sums_.end(), [&](const auto& e) { return e.first == k; });
    if (it == sums_.end()) {
      sums_.emplace_back(k, entry.second * static_cast<double>(batch_size));
    } else {
      it->second += entry.second * static_cast<double>(batch_size);
    }
  }
  seen_ += batch_size;
}

Logs WeightedMeans::means() const {
  Logs out;
  for (const auto& [k, s] : sums_) out.set(k, seen_ ? s / static_cast<double>(seen_) : 0.0);
  return out;
}

namespace {

// ProgbarLogger, the user's callbacks, History (writers on rank 0 only when distributed).
CallbackList make_callbacks(const LoopSettings& s, const TrainStrategy& strategy, std::shared_ptr<History> history) {
  CallbackList callbacks;
  auto add = [&](CallbackPtr cb) {
    if (strategy.runs_here(*cb)) callbacks.append(std::move(cb));
  };
  if (s.verbose) add(std::make_shared<ProgbarLogger>(ProgbarLoggerOptions{.count_steps = s.count_steps}));
  for (const auto& cb : s.callbacks) {
    if (!cb) throw ConfigError("fit: callbacks contains a null pointer.");
    add(cb);
  }
  callbacks.append(std::move(history));
  return callbacks;
}

TrainParams train_params(Model& model, const LoopSettings& s) {
  TrainParams params;
  params.batch_size = s.batch_size;
  params.epochs = s.epochs;
  params.steps = s.count_steps ? s.steps_per_epoch : 0;
  params.samples = s.count_steps ? 0 : s.samples;
  params.verbose = s.verbose;
  params.do_validation = static_cast<bool>(s.validate);
  params.metrics = model.metrics_names();
  if (params.do_validation) {
    for (const auto& n : model.metrics_names()) params.metrics.push_back("val_" + n);
  }
  return params;
}

// One epoch's batches; returns the number of steps run (fewer when stopped).
int64_t run_epoch(Model& model, EpochSource& source, const LoopSettings& s, CallbackList& callbacks,
                  const TrainStrategy& strategy, Logs& epoch_logs, int64_t& last_size) {
  WeightedMeans means;
  int64_t step = 0;
  for (; step < s.steps_per_epoch; ++step) {
    const Batch& b = source.next();
    last_size = b.x.rows();
    Logs batch_logs{{"batch", static_cast<double>(step)}, {"size", static_cast<double>(last_size)}};
    callbacks.on_train_batch_begin(step, batch_logs);
    Logs out = model.train_on_batch(b.x, b.y, b.sample_weight, s.class_weight);
    int64_t size = last_size;
    out = strategy.global_logs(out, last_size, size);  // global values: the same logs on every rank
    batch_logs.set("size", static_cast<double>(size));
    for (const auto& [k, v] : out) batch_logs.set(k, v);
    means.add(out, size);
    callbacks.on_train_batch_end(step, batch_logs);
    model.stop_training = strategy.any(model.stop_training);
    if (model.stop_training) break;
  }
  for (const auto& [k, v] : means.means()) epoch_logs.set(k, v);
  return step;
}

History run_loop(Model& model, EpochSource& source, const LoopSettings& s, TrainStrategy& strategy) {
  model.stop_training = false;
  auto history = std::make_shared<History>();
  CallbackList callbacks = make_callbacks(s, strategy, history);
  callbacks.set_model(&model);
  callbacks.set_params(train_params(model, s));

  Logs train_logs;
  callbacks.on_train_begin(train_logs);
  const CallbackStateScope states(model, callbacks, s.initial_epoch);
  for (int64_t epoch = s.initial_epoch; epoch < s.epochs; ++epoch) {
    Logs epoch_logs;
    callbacks.on_epoch_begin(epoch, epoch_logs);
    source.begin_epoch(epoch);
    int64_t last_size = 0;
    const int64_t steps = run_epoch(model, source, s, callbacks, strategy, epoch_logs, last_size);
    strategy.end_epoch(model);
    if (s.validate && steps == s.steps_per_epoch) {
      Logs test_logs;  // Keras >= 2.3: validation runs between on_test_begin and on_test_end
      callbacks.on_test_begin(test_logs);
      test_logs = s.validate(last_size);
      callbacks.on_test_end(test_logs);
      for (const auto& [k, v] : test_logs) epoch_logs.set("val_" + k, v);
    }
    model.set_epochs_completed(epoch + 1);
    callbacks.on_epoch_end(epoch, epoch_logs);
    model.stop_training = strategy.any(model.stop_training);
    if (model.stop_training) break;
  }
  callbacks.on_train_end(train_logs);
  return *history;
}

}  // namespace

History run_fit_loop(Model& model, EpochSource& source, const LoopSettings& s, TrainStrategy& strategy) {
  if (s.epochs < s.initial_epoch) {
    throw ConfigError("fit: epochs is the index of the final epoch and must be >= initial_epoch; received epochs=" +
                      std::to_string(s.epochs) + ", initial_epoch=" + std::to_string(s.initial_epoch) + ".");
  }
  try {
    return run_loop(model, source, s, strategy);
  } catch (const std::exception& e) {
    // Other ranks would wait for this one in their next collective for ever.
    strategy.fail(e);
    throw;
  }
}

}  // namespace petal::detail
