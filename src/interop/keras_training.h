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

struct KerasCompileSettings {
  std::unique_ptr<Optimizer> optimizer;
  std::string loss;
  std::vector<std::string> metrics;
};
// A training_config (Keras 2.0-2.13) as petal compile settings; ConfigError for
// losses, metrics and options petal lacks (several outputs, loss weights, ...).
KerasCompileSettings compile_settings_from_keras(const nlohmann::json& training_config);

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
