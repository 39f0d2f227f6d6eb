// fit, fit_generator and the train_on_batch loop. The batch loop takes its
// batches through a Prefetcher set up exactly as fit_generator sets up its own,
// so for the same seed both modes see the same batches and end with the same weights.
#include "app/train_modes.h"

#include <algorithm>
#include <variant>

#include "app/recipe_options.h"
#include "petal/app/train_sources.h"
#include "petal/callbacks/progbar_logger.h"
#include "petal/distributed/context.h"
#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/data/prefetcher.h"
#include "train/callback_resume.h"

namespace petal::detail {

int64_t steps_per_epoch(const TrainConfig& c, int64_t train_samples) {
  return std::max<int64_t>(1, train_samples / c.batch_size);
}

namespace {

uint64_t flow_seed(uint64_t seed) { return hash64(seed, 1); }

// Training batches for the generator and batch modes: a flow over the arrays,
// or the CSV reader when the rows are streamed.
// With --mixup/--cutmix, `mixed_flow` or `mixed_csv` wraps the source and is
// what training reads.
struct TrainSource {
  std::unique_ptr<NumpyArrayIterator> flow;
  std::unique_ptr<Generator> csv;
  std::unique_ptr<Sequence> mixed_flow;
  std::unique_ptr<Generator> mixed_csv;
  int64_t samples = 0;
  Sequence* sequence() { return mixed_flow ? mixed_flow.get() : static_cast<Sequence*>(flow.get()); }
  Generator* generator() { return mixed_csv ? mixed_csv.get() : csv.get(); }
};

TrainSource make_source(ModeInputs& in) {
  TrainSource s;
  const auto mix = batch_mix_options(*in.config, hash64(in.seed, 3));
  if (!in.data->train_csv.empty()) {
    s.csv = make_csv_train_generator(*in.config, in.data->train_csv, in.data->class_names, flow_seed(in.seed));
    s.samples = in.data->train_csv_rows;
    if (mix) s.mixed_csv = std::make_unique<MixGenerator>(*s.csv, *mix);
  } else {
    s.samples = in.train_x.dim(0);
    s.flow = make_train_flow(*in.config, std::move(in.train_x), std::move(in.train_y), flow_seed(in.seed));
    if (mix) s.mixed_flow = std::make_unique<MixSequence>(*s.flow, *mix);
  }
  return s;
}

PrefetchOptions prefetch_options(const TrainConfig& c, const TrainSource& s, int64_t steps, int64_t initial_epoch,
                                 uint64_t seed) {
  PrefetchOptions p{.workers = c.workers, .max_queue_size = c.max_queue_size,
                    .total = (c.epochs - initial_epoch) * steps};
  p.first_batch = initial_epoch * steps;  // a Sequence's position, or the CSV generator's seek
  if (s.flow) {
    p.shuffle = false;  // the flow shuffles the samples itself
    p.seed = seed;
  }
  return p;
}

History run_fit(Model& model, ModeInputs& in) {
  const TrainConfig& c = *in.config;
  apply_rescale(in.train_x, c.rescale);
  return model.fit(in.train_x, in.train_y,
                   {.batch_size = c.batch_size, .epochs = c.epochs, .verbose = c.verbose, .callbacks = in.callbacks,
                    .validation_data = in.validation, .shuffle = true, .initial_epoch = in.initial_epoch,
                    .seed = hash64(in.seed, 2), .distributed = true});
}

History run_generator(Model& model, ModeInputs& in) {
  const TrainConfig& c = *in.config;
  TrainSource s = make_source(in);
  const int64_t steps = steps_per_epoch(c, s.samples);
  FitGeneratorOptions o{.steps_per_epoch = steps, .epochs = c.epochs, .verbose = c.verbose,
                        .callbacks = in.callbacks, .validation_data = in.validation,
                        .max_queue_size = c.max_queue_size, .workers = c.workers, .shuffle = false,
                        .initial_epoch = in.initial_epoch, .seed = flow_seed(in.seed), .distributed = true};
  if (s.csv) return model.fit_generator(*s.generator(), o);
  return model.fit_generator(*s.sequence(), o);
}

// Keras's BaseLogger: epoch values are batch values averaged with batch-size weights.
void add_weighted(std::vector<std::pair<std::string, double>>& sums, const Logs& logs, int64_t n) {
  for (const auto& [k, v] : logs) {
    const std::string& key = k;  // Clang < 16 cannot capture a structured binding (the fuzz build)
    auto it = std::find_if(sums.begin(), sums.end(), [&](const auto& e) { return e.first == key; });
    if (it == sums.end()) sums.emplace_back(k, v * static_cast<double>(n));
    else it->second += v * static_cast<double>(n);
  }
}

// test_on_batch over the validation arrays in batches of `batch_size` (the last
// training batch's size, as fit_generator evaluates arrays), into val_* logs.
void validate_batches(Model& model, const ValidationData& val, int64_t batch_size, Logs& epoch_logs) {
  std::vector<std::pair<std::string, double>> sums;
  const int64_t n = val.x.rows();
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t end = std::min(n, start + batch_size);
    add_weighted(sums, model.test_on_batch(val.x.slice(start, end), val.y.slice(start, end)), end - start);
  }
  for (const auto& [k, v] : sums) epoch_logs.set("val_" + k, v / static_cast<double>(n));
}

History run_batch_loop(Model& model, ModeInputs& in) {
  const TrainConfig& c = *in.config;
  TrainSource s = make_source(in);
  const int64_t steps = steps_per_epoch(c, s.samples);
  const PrefetchOptions po = prefetch_options(c, s, steps, in.initial_epoch, flow_seed(in.seed));
  std::unique_ptr<Prefetcher> prefetcher =
      s.csv ? std::make_unique<Prefetcher>(*s.generator(), po) : std::make_unique<Prefetcher>(*s.sequence(), po);

  auto history = std::make_shared<History>();
  CallbackList callbacks;
  if (c.verbose) callbacks.append(std::make_shared<ProgbarLogger>(ProgbarLoggerOptions{.count_steps = true}));
  for (const auto& cb : in.callbacks) callbacks.append(cb);
  callbacks.append(history);
  TrainParams params{.batch_size = 0, .epochs = c.epochs, .steps = steps, .verbose = c.verbose,
                     .do_validation = true, .metrics = model.metrics_names()};
  for (const auto& n : model.metrics_names()) params.metrics.push_back("val_" + n);
  callbacks.set_model(&model);
  callbacks.set_params(params);

  const ValidationData& val = in.validation;
  model.stop_training = false;
  Logs train_logs;
  callbacks.on_train_begin(train_logs);
  const CallbackStateScope states(model, callbacks, in.initial_epoch);
  for (int64_t epoch = in.initial_epoch; epoch < c.epochs; ++epoch) {
    Logs epoch_logs;
    callbacks.on_epoch_begin(epoch, epoch_logs);
    std::vector<std::pair<std::string, double>> sums;
    int64_t seen = 0, last = 0, step = 0;
    for (; step < steps; ++step) {
      const Batch b = prefetcher->next();
      last = b.x.rows();
      Logs batch_logs{{"batch", static_cast<double>(step)}, {"size", static_cast<double>(last)}};
      callbacks.on_train_batch_begin(step, batch_logs);
      const Logs out = model.train_on_batch(b.x, b.y, b.sample_weight);
      for (const auto& [k, v] : out) batch_logs.set(k, v);
      add_weighted(sums, out, last);
      seen += last;
      callbacks.on_train_batch_end(step, batch_logs);
      if (model.stop_training) break;
    }
    for (const auto& [k, v] : sums) epoch_logs.set(k, v / static_cast<double>(std::max<int64_t>(seen, 1)));
    if (step == steps) {
      Logs test_logs;
      callbacks.on_test_begin(test_logs);
      validate_batches(model, val, std::max<int64_t>(last, 1), epoch_logs);
      callbacks.on_test_end(test_logs);
    }
    model.set_epochs_completed(epoch + 1);
    callbacks.on_epoch_end(epoch, epoch_logs);
    if (model.stop_training) break;
  }
  callbacks.on_train_end(train_logs);
  return *history;
}

}  // namespace

History run_mode(Model& model, ModeInputs& in) {
  const std::string& mode = in.config->mode;
  if (mode == "fit") {
    if (!in.data->train_csv.empty()) throw StateError("run_mode: --mode fit needs the training rows in memory.");
    return run_fit(model, in);
  }
  if (mode == "generator") return run_generator(model, in);
  if (mode == "batch") {
    if (DistributedContext::init().size() > 1) {
      throw ConfigError("--mode batch runs in one process; under mpirun use --mode fit or --mode generator.");
    }
    return run_batch_loop(model, in);
  }
  throw ConfigError("--mode: expected one of fit | generator | batch; received '" + mode + "'.");
}

}  // namespace petal::detail
