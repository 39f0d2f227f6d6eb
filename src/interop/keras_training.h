// Keras training_config (optimizer config in Keras's names, loss, metrics) and
// optimizer_weights (Keras 2.2.4's order and names) <-> petal's optimizers.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "interop/keras_h5.h"
#include "petal/layers/layer.h"
#include "petal/losses/loss.h"
#include "petal/metrics/metric.h"
#include "petal/model/model.h"
#include "petal/optimizers/optimizer.h"

namespace petal::detail {

// {"class_name": "SGD", "config": {"lr", "momentum", "decay", "nesterov"}} and
// the like for Adam (lr, beta_1, beta_2, epsilon, decay, amsgrad), RMSprop (lr,
// rho, epsilon, decay) and Adagrad (lr, epsilon, decay): Keras 2.2.4's keys, with
// the float32 rounding Keras's get_config() shows. ConfigError for others.
nlohmann::json keras_optimizer_config(const Optimizer& optimizer);
// A Keras 2.x / tf.keras optimizer config ("lr" or "learning_rate") as a petal
// optimizer. ConfigError naming the optimizer and field petal lacks.
std::unique_ptr<Optimizer> optimizer_from_keras(const nlohmann::json& optimizer_config);

// Keras 2.2.4's training_config: optimizer_config, loss, metrics,
// sample_weight_mode (null) and loss_weights (null).
nlohmann::json keras_training_config(const Optimizer& optimizer, Loss loss, const std::vector<Metric>& metrics);
// The same for a compiled model with any number of outputs: one loss name when
// every output has the same loss, else a list (one per output); loss_weights a
// list unless every weight is 1; metrics as compile() received them.
nlohmann::json keras_training_config(const Model& model);

struct KerasCompileSettings {
  std::unique_ptr<Optimizer> optimizer;
  std::string loss;                 // the first output's
  std::vector<std::string> losses;  // one per output
  std::vector<double> loss_weights;  // one per output
  std::vector<std::string> metrics;
};
// A training_config (Keras 2.0-2.13) as petal compile settings for a model with
// these outputs (empty: one unnamed output). Losses and loss weights may be
// one for all, a list (one per output) or a dict by output name; metrics a list
// for every output, or a dict giving every output the same list. ConfigError for
// losses, metrics and options petal lacks.
KerasCompileSettings compile_settings_from_keras(const nlohmann::json& training_config,
                                                 const std::vector<std::string>& output_names = {});

// The optimizer's state as Keras 2.2.4 saves it for these trainable parameters
// (in the model's order): SGD: iterations + one momentum per parameter; Adam:
// iterations + m's + v's + vhat's ((1,) zeros without amsgrad); RMSprop and
// Adagrad: one accumulator per parameter, no iterations. Names like
// "training/Adam/Variable_3:0". Empty when the optimizer has not trained yet
// (Keras creates these weights with its first training function).
KerasOptimizerWeights keras_optimizer_weights(Optimizer& optimizer, const std::vector<Param*>& trainable);
// Restores state saved by Keras 2.x or tf.keras (a leading iterations counter,
// then one group of slots per parameter, slot by slot). All or nothing: returns
// "" on success, else why the state does not fit (the optimizer is untouched).
std::string set_keras_optimizer_weights(Optimizer& optimizer, const std::vector<Param*>& trainable,
                                        const KerasOptimizerWeights& weights);

}  // namespace petal::detail
