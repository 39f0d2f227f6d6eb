// Building, loading or resuming the model of a training run (see train_model.h).
#include "app/train_model.h"

#include "app/config_keys.h"
#include "app/config_parse.h"
#include "app/recipe_options.h"
#include "app/run_resume.h"
#include "train/callback_resume.h"
#include "petal/app/memory_estimate.h"
#include "petal/core/error.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/adamw.h"
#include "petal/optimizers/rmsprop.h"
#include "petal/optimizers/sgd.h"
#include "petal/optimizers/sgdw.h"

namespace petal::detail {

namespace {

// A model file given as --model (petal's or a Keras .h5), compiled with this
// run's optimizer and loss: its weights are where training starts.
Model model_from_file(const TrainConfig& c, int64_t k) {
  Model m = load_model(c.model);
  const Shape want_in = {c.image_height, c.image_width, 3};
  if (m.input_shapes() != std::vector<Shape>{want_in} || m.output_shapes() != std::vector<Shape>{Shape{k}}) {
    throw DataError("--model '" + c.model + "': the model takes " + to_string(m.input_shape()) + " and gives " +
                    to_string(m.output_shape()) + "; the data gives " + to_string(want_in) + " images of " +
                    std::to_string(k) + " classes.\nHint: pass --image-size to match the model's input.");
  }
  m.compile(*make_optimizer(c), loss_spec(c), {"accuracy"});
  return m;
}

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& c) {
  if (c.optimizer == "adam") return std::make_unique<Adam>(AdamOptions{.learning_rate = c.lr, .decay = c.decay});
  if (c.optimizer == "adamw") {
    return std::make_unique<AdamW>(AdamWOptions{.learning_rate = c.lr, .weight_decay = c.weight_decay,
                                                .decay = c.decay, .decay_all_weights = c.weight_decay_all});
  }
  if (c.optimizer == "sgdw") {
    return std::make_unique<SGDW>(SGDWOptions{.learning_rate = c.lr, .weight_decay = c.weight_decay,
                                              .momentum = c.momentum, .nesterov = c.nesterov, .decay = c.decay,
                                              .decay_all_weights = c.weight_decay_all});
  }
  if (c.optimizer == "rmsprop") {
    return std::make_unique<RMSprop>(RMSpropOptions{.learning_rate = c.lr, .decay = c.decay});
  }
  return std::make_unique<SGD>(
      SGDOptions{.learning_rate = c.lr, .momentum = c.momentum, .nesterov = c.nesterov, .decay = c.decay});
}

// The model and a batch must fit before anything is decoded or built.
void check_training_memory(const TrainConfig& c) {
  if (is_model_file_name(c.model)) return;  // its weights are checked as the file is read
  const MemoryEstimate e = estimate_zoo_memory(
      c.model, {.height = c.image_height, .width = c.image_width, .depth = 3, .classes = 2, .alpha = c.alpha},
      c.batch_size, true);
  check_memory(e.bytes, "training " + c.model + " on " + std::to_string(c.image_height) + "x" +
                            std::to_string(c.image_width) + " images in batches of " + std::to_string(c.batch_size),
               describe(e), "lower --image-size or --batch-size.");
}

// The model to train: a fresh built-in one, a model file, or model_last.petal of a resumed run.
Model make_model(const TrainConfig& c, const Dataset& d, const RunPaths& p, bool resume) {
  const int64_t k = d.num_classes();
  if (!resume && is_model_file_name(c.model)) return model_from_file(c, k);
  if (!resume) {
    Model m = build_model(c.model, {.height = c.image_height, .width = c.image_width, .depth = 3, .classes = k,
                                         .seed = *c.seed, .l2 = static_cast<float>(c.l2),
                                         .bn_momentum = static_cast<float>(c.bn_momentum), .alpha = c.alpha});
    m.compile(*make_optimizer(c), loss_spec(c), {"accuracy"});
    return m;
  }
  // config.json as recorded, before this run rewrites it with the new flags.
  check_resume_options(c, resolve_train_config({.config_file = p.config().string()}));
  Model m = load_model(p.model_last());
  if (m.loss_spec().label_smoothing != c.label_smoothing) {
    throw ConfigError("--resume: model_last.petal was compiled with label_smoothing " +
                      format_number(m.loss_spec().label_smoothing) + "; received --label-smoothing " +
                      format_number(c.label_smoothing) + ".\nHint: resume with the run's own value.");
  }
  const Shape want_in = {c.image_height, c.image_width, 3};
  if (m.input_shape() != want_in || m.output_shape() != Shape{k}) {
    throw DataError("--resume: model_last.petal takes " + to_string(m.input_shape()) + " and gives " +
                    to_string(m.output_shape()) + "; the data gives " + to_string(want_in) + " images of " +
                    std::to_string(k) + " classes.");
  }
  check_resumed_network(m, c, k);
  if (saved_stop_training(m) && run_reported(p)) {
    throw ConfigError("--resume: the run stopped early after epoch " + std::to_string(m.epochs_completed()) +
                      " (--early-stopping or a NaN loss) and is complete.\nHint: to train it further, start a new "
                      "run from its weights: --model " + p.model_last().string() + " --out NEW_DIR.");
  }
  if (m.epochs_completed() >= c.epochs && run_reported(p)) {
    throw ConfigError("--resume: the run already completed " + std::to_string(m.epochs_completed()) +
                      " epochs (--epochs " + std::to_string(c.epochs) + ").\nHint: pass --epochs N with N > " +
                      std::to_string(m.epochs_completed()) + " to train further.");
  }
  return m;
}

}  // namespace petal::detail
