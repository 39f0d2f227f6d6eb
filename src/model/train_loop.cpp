// The shared training loop.
#include "model/train_loop.h"

#include <algorithm>

#include "petal/callbacks/progbar_logger.h"
#include "petal/core/error.h"

namespace petal::detail {

void WeightedMeans::add(const Logs& logs, int64_t batch_size) {
  for (const auto& [k, v] : logs) {
    if (k == "batch" || k == "size") continue;
    auto it = std::find_if(sums_.begin(), sums_.end(), [&](const auto& e) { return e.first == k; });
    if (it == sums_.end()) {
      sums_.emplace_back(k, v * static_cast<double>(batch_size));
    } else {
      it->second += v * static_cast<double>(batch_size);
    }
  }
  seen_ += batch_size;
}

Logs WeightedMeans::means() const {
  Logs out;
  for (const auto& [k, s] : sums_) out.set(k, seen_ ? s / static_cast<double>(seen_) : 0.0);
  return out;
}

History run_fit_loop(Sequential& model, EpochSource& source, const LoopSettings& s) {
  if (s.epochs < s.initial_epoch) {
    throw ConfigError("fit: epochs is the index of the final epoch and must be >= initial_epoch; received epochs=" +
                      std::to_string(s.epochs) + ", initial_epoch=" + std::to_string(s.initial_epoch) + ".");
  }
  model.stop_training = false;
  auto history = std::make_shared<History>();
  CallbackList callbacks;
  if (s.verbose) callbacks.append(std::make_shared<ProgbarLogger>(ProgbarLoggerOptions{.count_steps = s.count_steps}));
  for (const auto& cb : s.callbacks) {
    if (!cb) throw ConfigError("fit: callbacks contains a null pointer.");
    callbacks.append(cb);
  }
  callbacks.append(history);

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
  callbacks.set_model(&model);
  callbacks.set_params(params);

  Logs train_logs;
  callbacks.on_train_begin(train_logs);
  for (int64_t epoch = s.initial_epoch; epoch < s.epochs; ++epoch) {
    Logs epoch_logs;
    callbacks.on_epoch_begin(epoch, epoch_logs);
    source.begin_epoch(epoch);
    WeightedMeans means;
    int64_t step = 0, last_size = 0;
    for (; step < s.steps_per_epoch; ++step) {
      const Batch& b = source.next();
      last_size = b.x.rank() > 0 ? b.x.dim(0) : 0;
      Logs batch_logs{{"batch", static_cast<double>(step)}, {"size", static_cast<double>(last_size)}};
      callbacks.on_train_batch_begin(step, batch_logs);
      const Logs out = model.train_on_batch(b.x, b.y, b.sample_weight, s.class_weight);
      for (const auto& [k, v] : out) batch_logs.set(k, v);
      means.add(out, last_size);
      callbacks.on_train_batch_end(step, batch_logs);
      if (model.stop_training) break;
    }
    for (const auto& [k, v] : means.means()) epoch_logs.set(k, v);
    if (s.validate && step == s.steps_per_epoch) {
      for (const auto& [k, v] : s.validate(last_size)) epoch_logs.set("val_" + k, v);
    }
    model.set_epochs_completed(epoch + 1);
    callbacks.on_epoch_end(epoch, epoch_logs);
    if (model.stop_training) break;
  }
  callbacks.on_train_end(train_logs);
  return *history;
}

}  // namespace petal::detail
