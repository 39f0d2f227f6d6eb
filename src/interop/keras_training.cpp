// Keras training configs and optimizer state (keras/optimizers.py and
// engine/saving.py in Keras 2.2.4; tf.keras's optimizer_v2 names on reading).
#include "interop/keras_training.h"

#include <cmath>

#include "interop/keras_config.h"
#include "interop/keras_config_values.h"
#include "petal/core/error.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/rmsprop.h"
#include "petal/optimizers/sgd.h"

namespace petal::detail {

using nlohmann::json;

json keras_optimizer_config(const Optimizer& optimizer) {
  const json c = json::parse(optimizer.config_json());
  const std::string name = optimizer.name();
  auto f32 = [&](const char* key) { return keras_float32(c.at(key).get<double>()); };
  json k = {{"lr", f32("learning_rate")}};
  if (name == "SGD") {
    k["momentum"] = f32("momentum");
    k["decay"] = f32("decay");
    k["nesterov"] = c.at("nesterov");
  } else if (name == "Adam") {
    k["beta_1"] = f32("beta_1");
    k["beta_2"] = f32("beta_2");
    k["decay"] = f32("decay");
    k["epsilon"] = c.at("epsilon");
    k["amsgrad"] = c.at("amsgrad");
  } else if (name == "RMSprop") {
    k["rho"] = f32("rho");
    k["decay"] = f32("decay");
    k["epsilon"] = c.at("epsilon");
  } else if (name == "Adagrad") {
    k["decay"] = f32("decay");
    k["epsilon"] = c.at("epsilon");
  } else {
    throw ConfigError("optimizer " + name + " has no Keras 2.2.4 equivalent.");
  }
  return {{"class_name", name}, {"config", k}};
}

namespace {

// The options every tf.keras optimizer config carries that petal cannot honour
// unless they are at their defaults.
void read_common(KerasConfigReader& r) {
  for (const char* key : {"clipnorm", "clipvalue", "global_clipnorm"}) r.require_null(key);
  r.require("use_ema", {false});
  r.require("weight_decay", {0, 0.0});
  for (const char* key : {"is_legacy_optimizer", "jit_compile", "ema_momentum", "ema_overwrite_frequency"}) r.ignore(key);
}

double learning_rate(KerasConfigReader& r) {
  const char* key = r.has("learning_rate") ? "learning_rate" : "lr";
  if (!r.has(key)) r.fail("lr", "a learning rate", nullptr);
  if (!r.get<json>(key).is_number()) {
    r.fail(key, "a number", r.get<json>(key), "learning-rate schedules are not supported; use a callback.");
  }
  return r.get<double>(key);
}

std::unique_ptr<Optimizer> build_optimizer(const std::string& cls, KerasConfigReader& r) {
  read_common(r);
  const double lr = learning_rate(r), decay = r.get_or<double>("decay", 0.0);
  if (cls == "SGD") return std::make_unique<SGD>(SGDOptions{lr, r.get_or<double>("momentum", 0.0), r.get_or<bool>("nesterov", false), decay});
  if (cls == "Adam") {
    return std::make_unique<Adam>(AdamOptions{lr, r.get_or<double>("beta_1", 0.9), r.get_or<double>("beta_2", 0.999),
                                              r.get_or<double>("epsilon", 1e-7), decay, r.get_or<bool>("amsgrad", false)});
  }
  if (cls == "RMSprop") {
    r.require("momentum", {0, 0.0});
    r.require("centered", {false});
    return std::make_unique<RMSprop>(RMSpropOptions{lr, r.get_or<double>("rho", 0.9), r.get_or<double>("epsilon", 1e-7), decay});
  }
  r.require("initial_accumulator_value", {0, 0.0});  // Keras 2.2.4 starts at 0 (tf.keras at 0.1)
  return std::make_unique<Adagrad>(AdagradOptions{lr, r.get_or<double>("epsilon", 1e-7), decay});
}

}  // namespace

std::unique_ptr<Optimizer> optimizer_from_keras(const json& optimizer_config) {
  const std::string cls = optimizer_config.is_object() ? optimizer_config.value("class_name", "") : "";
  if (cls != "SGD" && cls != "Adam" && cls != "RMSprop" && cls != "Adagrad") {
    throw ConfigError("Keras optimizer " + (cls.empty() ? optimizer_config.dump() : cls) +
                      " is not supported; petal has SGD, Adam, RMSprop and Adagrad.");
  }
  const json config = optimizer_config.value("config", json::object());
  KerasConfigReader r(cls, config);
  auto optimizer = build_optimizer(cls, r);
  r.finish();
  return optimizer;
}

json keras_training_config(const Optimizer& optimizer, Loss loss, const std::vector<Metric>& metrics) {
  json names = json::array();
  for (const auto& m : metrics) names.push_back(m.name);
  return {{"optimizer_config", keras_optimizer_config(optimizer)},
          {"loss", to_string(loss)},
          {"metrics", names},
          {"sample_weight_mode", nullptr},
          {"loss_weights", nullptr}};
}

json keras_training_config(const Model& model) {
  json config = keras_training_config(model.optimizer(), model.loss(), model.metrics());
  const auto losses = model.losses();
  json names = json::array();
  bool same = true;
  for (Loss l : losses) {
    names.push_back(to_string(l));
    same = same && l == losses.front();
  }
  if (!same) config["loss"] = names;
  const auto weights = model.loss_weights();
  bool ones = true;
  for (double w : weights) ones = ones && w == 1.0;
  if (!ones) config["loss_weights"] = weights;
  return config;
}

namespace {

// A list or dict holding one entry per model output: the single entry.
json single_output(const json& value, const char* what) {
  if (value.is_object() && value.contains("class_name")) return value;  // a serialised object, not per output
  if ((value.is_array() || value.is_object()) && value.size() == 1) return value.begin().value();
  if (value.is_array() || value.is_object()) {
    throw ConfigError(std::string("training_config ") + what + ": expected one model output; received " + value.dump() + ".");
  }
  return value;
}

std::string loss_name(json loss) {
  loss = single_output(loss, "loss");
  if (loss.is_string()) return to_string(loss_from_string(loss.get<std::string>()));
  const std::string cls = loss.is_object() ? loss.value("class_name", "") : "";
  const json config = loss.is_object() ? loss.value("config", json::object()) : json::object();
  const std::pair<const char*, const char*> kClasses[] = {
      {"CategoricalCrossentropy", "categorical_crossentropy"},
      {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"},
      {"BinaryCrossentropy", "binary_crossentropy"},
      {"MeanSquaredError", "mean_squared_error"}};
  for (const auto& [keras, petal] : kClasses) {
    if (cls != keras) continue;
    KerasConfigReader r(cls, config);
    r.require("from_logits", {false});
    r.require("label_smoothing", {0, 0.0});
    r.require("reduction", {"auto", "sum_over_batch_size"});
    r.require("ignore_class", {nullptr});
    r.require("axis", {-1});
    r.finish();
    return petal;
  }
  throw ConfigError("training_config loss: expected one of petal's losses; received " + loss.dump() + ".");
}

void add_metrics(const json& m, std::vector<std::string>& out) {
  if (m.is_null()) return;
  if (m.is_string()) {
    out.push_back(m.get<std::string>());
  } else if (m.is_object() && m.contains("class_name")) {  // tf.keras metric objects
    const json config = m.value("config", json::object());
    out.push_back(config.value("name", m["class_name"].get<std::string>()));
  } else if (m.is_array()) {
    for (const auto& item : m) add_metrics(item, out);
  } else {
    add_metrics(single_output(m, "metrics"), out);
  }
}

// `value` (a loss or loss weight) per output: one for all, a list in output
// order, or a dict by output name.
std::vector<json> per_output(const json& value, const std::vector<std::string>& outputs, const char* what) {
  if (value.is_array()) {
    if (value.size() != outputs.size()) {
      throw ConfigError(std::string("training_config ") + what + ": expected one entry per model output (" +
                        std::to_string(outputs.size()) + "); received " + value.dump() + ".");
    }
    return {value.begin(), value.end()};
  }
  if (value.is_object() && !value.contains("class_name")) {
    std::vector<json> out;
    for (const auto& name : outputs) {
      if (!value.contains(name)) {
        throw ConfigError(std::string("training_config ") + what + ": expected an entry for output '" + name +
                          "'; received " + value.dump() + ".");
      }
      out.push_back(value[name]);
    }
    return out;
  }
  return std::vector<json>(outputs.size(), value);
}

KerasCompileSettings multi_output_settings(const json& tc, const std::vector<std::string>& outputs) {
  KerasCompileSettings s;
  s.optimizer = optimizer_from_keras(tc["optimizer_config"]);
  for (const json& l : per_output(tc.value("loss", json()), outputs, "loss")) s.losses.push_back(loss_name(l));
  s.loss = s.losses.front();
  const json weights = tc.value("loss_weights", json());
  for (const json& w : per_output(weights.is_null() ? json(1.0) : weights, outputs, "loss_weights")) {
    if (!w.is_number()) throw ConfigError("training_config loss_weights: expected numbers; received " + weights.dump() + ".");
    s.loss_weights.push_back(w.get<double>());
  }
  json metrics = tc.value("metrics", json());
  if (metrics.is_object() && !metrics.contains("class_name")) {  // per output: petal's metrics apply to every output
    std::vector<std::vector<std::string>> each;
    for (const json& m : per_output(metrics, outputs, "metrics")) add_metrics(m, each.emplace_back());
    for (const auto& e : each) {
      if (e != each.front()) {
        throw ConfigError("training_config metrics: petal computes one list of metrics for every output; received " +
                          metrics.dump() + ".");
      }
    }
    s.metrics = each.front();
  } else {
    if (metrics.is_array() && metrics.size() == outputs.size() && !metrics.empty() && metrics[0].is_array()) metrics = metrics[0];
    add_metrics(metrics, s.metrics);
  }
  return s;
}

}  // namespace

KerasCompileSettings compile_settings_from_keras(const json& training_config,
                                                 const std::vector<std::string>& output_names) {
  if (output_names.size() > 1 && training_config.is_object() && training_config.contains("optimizer_config")) {
    KerasCompileSettings s = multi_output_settings(training_config, output_names);
    const json weighted = training_config.value("weighted_metrics", json());
    if (!weighted.is_null() && !weighted.empty()) {
      throw ConfigError("training_config weighted_metrics: petal has none; received " + weighted.dump() + ".");
    }
    if (!training_config.value("sample_weight_mode", json()).is_null()) {
      throw ConfigError("training_config sample_weight_mode: expected null; received " +
                        training_config["sample_weight_mode"].dump() + ".");
    }
    return s;
  }
  if (!training_config.is_object() || !training_config.contains("optimizer_config")) {
    throw ConfigError("training_config: expected an object with optimizer_config; received " + training_config.dump() + ".");
  }
  KerasCompileSettings s;
  s.optimizer = optimizer_from_keras(training_config["optimizer_config"]);
  s.loss = loss_name(training_config.value("loss", json()));
  s.losses = {s.loss};
  s.loss_weights = {1.0};
  json metrics = training_config.value("metrics", json());
  if (metrics.is_array() && metrics.size() == 1 && metrics[0].is_array()) metrics = metrics[0];  // per output
  add_metrics(metrics, s.metrics);
  const json weighted = training_config.value("weighted_metrics", json());
  if (!weighted.is_null() && !weighted.empty()) {
    throw ConfigError("training_config weighted_metrics: petal has none; received " + weighted.dump() + ".");
  }
  const json loss_weights = training_config.value("loss_weights", json());
  if (!loss_weights.is_null() && single_output(loss_weights, "loss_weights") != 1) {
    throw ConfigError("training_config loss_weights: expected null or 1; received " + loss_weights.dump() + ".");
  }
  if (!training_config.value("sample_weight_mode", json()).is_null()) {
    throw ConfigError("training_config sample_weight_mode: expected null; received " +
                      training_config["sample_weight_mode"].dump() + ".");
  }
  return s;
}

}  // namespace petal::detail
