// train(): data, model, callbacks, the chosen training mode, then the report.
#include "petal/app/trainer.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "app/config_keys.h"
#include "app/config_parse.h"
#include "app/recipe_auto.h"
#include "app/recipe_options.h"
#include "app/interrupt.h"
#include "app/run_lock.h"
#include "app/run_messages.h"
#include "app/run_resume.h"
#include "app/run_report.h"
#include "app/train_model.h"
#include "app/train_modes.h"
#include "train/callback_resume.h"
#include "petal/app/dataset.h"
#include "petal/app/run_dir.h"
#include "petal/app/train_sources.h"
#include "petal/callbacks/early_stopping.h"
#include "petal/callbacks/lambda_callback.h"
#include "petal/callbacks/reduce_lr_on_plateau.h"
#include "petal/distributed/context.h"
#include "petal/distributed/root_only.h"
#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/io/atomic_file.h"
#include "petal/report/history_csv.h"

namespace petal {

namespace fs = std::filesystem;

std::string resume_config_path(const fs::path& run_dir) {
  const RunPaths p{run_dir};
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    throw IoError("--resume '" + run_dir.string() + "': expected a run directory; the path is not a folder.");
  }
  for (const auto& f : {p.config(), p.model_last()}) {
    if (!fs::is_regular_file(f, ec)) {
      const bool never_saved = f == p.model_last() && fs::exists(p.config(), ec);
      throw IoError("--resume '" + run_dir.string() + "': expected a run directory holding config.json and "
                    "model_last.petal; " + f.filename().string() + " is missing" +
                    (never_saved ? " (the run stopped before its first epoch ended).\nHint: start it again with "
                                   "--overwrite, e.g. petal train --config " + p.config().string() + " --overwrite."
                                 : "."));
    }
  }
  return p.config().string();
}

namespace {

// ema: the moving average (null when off), before the recorder so that it saves the averages.
std::vector<CallbackPtr> make_callbacks(const TrainConfig& c, CallbackPtr recorder, int64_t steps_per_epoch,
                                        CallbackPtr ema) {
  std::vector<CallbackPtr> cbs;
  cbs.push_back(std::make_shared<TerminateOnNaN>());
  if (CallbackPtr schedule = detail::make_lr_schedule(c, steps_per_epoch)) cbs.push_back(std::move(schedule));
  if (c.reduce_lr_on_plateau) {
    cbs.push_back(std::make_shared<ReduceLROnPlateau>(ReduceLROnPlateauOptions{
        .monitor = c.monitor, .factor = c.plateau_factor, .patience = c.plateau_patience, .verbose = c.verbose > 0}));
  }
  if (c.early_stopping > 0) {
    cbs.push_back(std::make_shared<EarlyStopping>(
        EarlyStoppingOptions{.monitor = c.monitor, .patience = c.early_stopping, .verbose = c.verbose > 0}));
  }
  if (ema) cbs.push_back(std::move(ema));
  cbs.push_back(std::move(recorder));
  return cbs;
}

// Optimizer updates per epoch (what a per-step schedule counts).
int64_t optimizer_steps_per_epoch(const TrainConfig& c, int64_t train_samples, int ranks) {
  if (c.mode != "fit") return detail::steps_per_epoch(c, train_samples);
  const int64_t global = c.batch_size * ranks;  // fit's batches: one pass over the arrays
  return train_samples / global + (train_samples % global >= ranks ? 1 : 0);
}

// The run's RunRecorder, with the history of a resumed run (cut to the epochs
// model_last.petal holds) and its best model checked against that history.
std::shared_ptr<RunRecorder> make_recorder(const TrainConfig& c, const RunPaths& paths, bool resume,
                                           int64_t initial_epoch, RunLog& log) {
  std::map<std::string, std::vector<double>> earlier;
  if (resume && fs::exists(paths.history())) {
    earlier = read_history_csv(paths.history());
    for (auto& [k, v] : earlier) v.resize(std::min<size_t>(v.size(), static_cast<size_t>(initial_epoch)), std::nan(""));
  }
  auto recorder = std::make_shared<RunRecorder>(
      paths, RunRecorderOptions{.monitor = c.monitor, .checkpoint_every = c.checkpoint_every,
                                .history = std::move(earlier), .log = &log});
  if (resume) {
    if (const auto note = detail::repair_best_model(paths, recorder->best_epoch(), initial_epoch); !note.empty()) {
      log.line(note);
    }
  }
  return recorder;
}

// Trains the remaining epochs; returns the signal (SIGINT, SIGTERM) that stopped
// the run, or 0. Signals are handled in one process only (mpirun handles its
// ranks'); the epoch a signal cuts short is not recorded.
int run_interruptible(Model& model, detail::ModeInputs& in, RunRecorder& recorder, bool single_process,
                      RunLog& log) {
  if (in.initial_epoch >= in.config->epochs) {
    log.line("[INFO] the run completed its " + std::to_string(in.initial_epoch) + " epochs before it was stopped; "
             "writing its report and plots");
    return 0;
  }
  if (in.initial_epoch > 0 && detail::saved_stop_training(model)) {
    log.line("[INFO] the run stopped early after epoch " + std::to_string(in.initial_epoch) +
             " before it was killed; writing its report and plots");
    return 0;
  }
  auto interrupt = std::make_shared<detail::StopOnInterrupt>();
  recorder.discard_epoch_if([interrupt] { return interrupt->epoch_cut(); });
  // Last, so that its epoch-end stop comes after the recorder saved the epoch: a
  // signal during an epoch's end must not reach the saved loop state as an early
  // stop, or the resumed run would only write its report.
  in.callbacks.push_back(interrupt);
  const auto guard = single_process ? std::make_unique<detail::InterruptGuard>() : nullptr;
  detail::run_mode(model, in);
  return single_process ? detail::InterruptGuard::signal() : 0;
}

std::string run_info_json(const TrainConfig& c, const Dataset& d, int64_t train_samples, int64_t val_samples,
                          const TrainRunOptions& o) {
  nlohmann::json j;
  // Names and paths escape_text'ed: valid UTF-8 whatever bytes they hold, and
  // read back exactly (load_run_model unescapes the class names).
  for (const auto& n : d.class_names) j["class_names"].push_back(escape_text(n));
  j["layout"] = to_string(d.layout);
  j["data"] = escape_text(d.description);
  j["train_samples"] = train_samples;
  j["validation_samples"] = val_samples;
  j["validation"] = c.validation_split > 0 ? "last fraction of the training split" : "test split";
  j["test_samples"] = d.num_test();
  if (c.mode != "fit") j["steps_per_epoch"] = detail::steps_per_epoch(c, train_samples);
  if (!o.command_line.empty()) j["command"] = escape_text(o.command_line);
  if (!o.seeds.empty()) j["seeds"] = o.seeds;
  return j.dump();
}

// Validation data: the test split (the tutorial's protocol), or the last
// validation_split of the training arrays (taken out of them).
ValidationData split_validation(const TrainConfig& c, const Dataset& d, Tensor& train_x, Tensor& train_y) {
  ValidationData v;
  if (c.validation_split > 0) {
    const int64_t n = train_x.dim(0);
    const int64_t at = static_cast<int64_t>(static_cast<double>(n) * (1.0 - c.validation_split));
    if (at < 1 || at >= n) {
      throw ConfigError("--validation-split " + detail::format_number(c.validation_split) + " leaves " +
                        std::to_string(at) + " of " + std::to_string(n) + " training images for training; expected "
                        "both parts non-empty.");
    }
    v.x = train_x.slice(at, n);
    v.y = train_y.slice(at, n);
    train_x = train_x.slice(0, at);
    train_y = train_y.slice(0, at);
  } else {
    v.x = d.test_x;
    v.y = d.test_y;
  }
  apply_rescale(v.x.front(), c.rescale);
  return v;
}

}  // namespace

DatasetOptions dataset_options(const TrainConfig& c) {
  if (!c.seed) throw ConfigError("dataset_options: expected a seed (the split depends on it); received none.");
  return {.path = c.data, .height = c.image_height, .width = c.image_width, .fast_decode = c.fast_decode,
          .csv_order = c.csv_channels == "bgr" ? ChannelOrder::Bgr : ChannelOrder::Rgb,
          .test_split = c.test_split, .stratified = c.split == "stratified", .seed = *c.seed,
          .threads = std::max(1, num_threads()),
          .stream_train_csv = c.mode != "fit" && c.validation_split == 0.0,
          .max_image_pixels = c.max_image_pixels, .on_bad_image = c.on_bad_image};
}

TrainResult train(TrainConfig c, const TrainRunOptions& o) {
  validate(c);
  // Absolute, so that config.json still finds them from another working directory.
  c.data = fs::absolute(c.data).lexically_normal().string();
  c.out = fs::absolute(c.out).lexically_normal().string();
  if (!c.seed) c.seed = (static_cast<uint64_t>(std::random_device{}()) << 16) ^ std::random_device{}();
  std::ostream& console = o.console ? *o.console : std::cout;
  set_num_threads(c.threads);
  // Under mpirun every rank trains on its shard; rank 0 alone writes the run,
  // and its seed (drawn when none was given) makes the same split on every rank.
  DistributedContext& ranks = DistributedContext::init();
  const bool root = ranks.is_root();
  if (ranks.size() > 1) {
    std::string seed = std::to_string(*c.seed);
    ranks.broadcast(seed, 0);
    c.seed = std::stoull(seed);
  }
  const RunPaths paths{c.out};
  const auto lock = root ? detail::claim_run_dir(paths, o.resume, o.overwrite) : nullptr;  // held until train() returns
  const int64_t leftovers = root && (o.resume || o.overwrite) ? detail::remove_leftover_temp_files(paths) : 0;
  RunLog log(root ? paths.log() : std::filesystem::path(), root && c.verbose > 0 ? &console : nullptr, o.resume);
  if (!o.command_line.empty()) log.file_line("command: " + escape_text(o.command_line));
  if (leftovers > 0) {
    log.line("[INFO] removed " + std::to_string(leftovers) + " temporary file(s) an interrupted write left behind");
  }
  if (c.image_height == 0) {
    const detail::AutoChoice side = detail::auto_image_side(c.data);
    c.image_height = c.image_width = side.value;
    log.line("[INFO] --image-size auto: " + std::to_string(side.value) + " (" + side.why + ")");
  }
  detail::check_training_memory(c);
  log.line("[INFO] loading " + c.data + " ...");
  Dataset d = load_dataset(dataset_options(c));
  log.line("[INFO] " + d.description);
  detail::log_data_notes(log, d, c.on_bad_image);
  if (d.num_test() == 0) throw DataError("load_dataset('" + c.data + "'): the test split is empty.\nHint: raise --test-split.");
  Tensor train_x = std::move(d.train_x), train_y = std::move(d.train_y);
  ValidationData val = split_validation(c, d, train_x, train_y);

  const int64_t train_samples = d.train_csv.empty() ? train_x.dim(0) : d.train_csv_rows;
  if (c.epochs == 0) {
    const detail::AutoChoice epochs = detail::auto_epochs(optimizer_steps_per_epoch(c, train_samples, ranks.size()));
    c.epochs = epochs.value;
    log.line("[INFO] --epochs auto: " + std::to_string(epochs.value) + " (" + epochs.why + ")");
  }
  if (c.warmup_epochs < 0) {  // stays auto (config.json): a resume to other --epochs chooses again
    const detail::AutoChoice warmup = detail::auto_warmup_epochs(c.epochs, c.lr_schedule);
    log.line("[INFO] --warmup-epochs auto: " + std::to_string(warmup.value) + " (" + warmup.why + ")");
  }
  detail::validate_recipe_options(c);
  Model model = detail::make_model(c, d, paths, o.resume);
  const int64_t initial_epoch = o.resume ? model.epochs_completed() : 0;
  if (root) {
    write_file_atomically(paths.config(), train_config_to_json(c, run_info_json(c, d, train_samples, val.x.rows(), o)));
  }
  auto recorder = make_recorder(c, paths, o.resume, initial_epoch, log);
  log.line("[INFO] " + std::string(o.resume ? "resuming" : "training") + " " + c.model + " with --mode " + c.mode +
           (o.resume ? " from epoch " + std::to_string(initial_epoch + 1) : "") + " to epoch " +
           std::to_string(c.epochs) + " (seed " + std::to_string(*c.seed) + ", " + std::to_string(model.count_params()) +
           " parameters)");

  detail::ModeInputs in{.config = &c, .data = &d, .train_x = std::move(train_x), .train_y = std::move(train_y),
                        .validation = std::move(val),
                        .callbacks = make_callbacks(c, root_only(recorder),
                                                    optimizer_steps_per_epoch(c, train_samples, ranks.size()),
                                                    detail::make_ema(c, paths.ema_state(), root)),
                        .initial_epoch = initial_epoch, .seed = *c.seed};
  const auto start = std::chrono::steady_clock::now();
  TrainResult r;
  r.interrupted_by = run_interruptible(model, in, *recorder, ranks.size() == 1, log);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.run_dir = paths.dir;
  r.initial_epoch = initial_epoch;
  r.epochs_completed = model.epochs_completed();
  r.best_epoch = recorder->best_epoch();
  // fit and fit_generator ran check_same_weights after every epoch (a mismatch aborts the job).
  if (ranks.size() > 1) {
    log.line("[INFO] distributed: all " + std::to_string(ranks.size()) +
             " ranks hold identical weights (checked after every epoch)");
  }
  if (!root) return r;
  if (r.interrupted_by != 0) {
    r.epochs_completed = recorder->epochs_recorded();
    detail::log_interrupted(log, paths, r.interrupted_by, r.epochs_completed);
    return r;
  }
  if (!fs::exists(paths.model())) model.save(paths.model());  // no epoch had a finite monitored value
  r.report = detail::write_run_report(model, d, c, recorder->history(), paths);
  log.file_line("test report (model_last.petal, " + std::to_string(d.num_test()) + " images):\n" +
                format_classification_report(r.report));
  log.line("[INFO] " + std::to_string(r.epochs_completed - initial_epoch) + " epochs in " +
           detail::format_number(std::round(r.seconds * 10) / 10) + " s; test accuracy " +
           detail::format_number(std::round(r.report.accuracy * 1e4) / 1e4) + "; best " + c.monitor + " at epoch " +
           std::to_string(r.best_epoch + 1) + " (model.petal); wrote " + paths.dir.string());
  detail::log_bad_images_again(log, d, c.on_bad_image);
  return r;
}

}  // namespace petal
