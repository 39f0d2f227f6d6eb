// Model files (save / load_model) and weight archives (save_weights /
// load_weights), both NumPy .npz archives written atomically:
//   petal_model.json                 architecture, compile settings, training position
//   <layer>/<weight>:0               weights in Keras shapes and names
//   optimizer/iterations             int64 [1]
//   optimizer/<layer>/<weight>:0/<slot>  optimizer state in Keras shapes
#include <nlohmann/json.hpp>

#include "layers/layer_factory.h"
#include "model/model_schema.h"
#include "model/sequential_impl.h"
#include "petal/core/error.h"
#include "petal/io/npz.h"

namespace petal {

namespace {

constexpr const char* kConfigName = "petal_model.json";
constexpr const char* kFormat = "petal.model";
constexpr int kVersion = 1;

nlohmann::json model_config(const Sequential& m) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["name"] = m.name();
  j["seed"] = m.seed();
  j["input_shape"] = m.input_shape();
  for (const Layer* l : m.layers()) j["layers"].push_back({{"type", l->type()}, {"config", nlohmann::json::parse(l->config_json())}});
  j["compiled"] = m.compiled();
  if (m.compiled()) {
    j["optimizer"] = {{"name", m.optimizer().name()}, {"config", nlohmann::json::parse(m.optimizer().config_json())}};
    j["loss"] = to_string(m.loss());
    for (const auto& mt : m.metrics()) j["metrics"].push_back(mt.name);
    j["iterations"] = m.optimizer().iterations();
  }
  j["epochs_completed"] = m.epochs_completed();
  return j;
}

NamedArrays weight_arrays(Sequential& m) {
  NamedArrays out;
  const auto names = m.weight_names();
  const auto params = m.params();
  for (size_t i = 0; i < params.size(); ++i) out.emplace_back(names[i], NpyArray::from_tensor(keras_value(*params[i])));
  return out;
}

void restore_weights(Sequential& m, const NamedArrays& arrays, const std::string& what) {
  const auto names = m.weight_names();
  const auto params = m.params();
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor t = find_array(arrays, names[i], what).to_tensor();
    if (t.shape() != params[i]->keras_shape) {
      throw ShapeError(what + ": weight '" + names[i] + "' has shape " + to_string(t.shape()) + "; the model expects " +
                       to_string(params[i]->keras_shape) + ".");
    }
  }
  for (size_t i = 0; i < params.size(); ++i) assign_keras_value(*params[i], find_array(arrays, names[i], what).to_tensor());
}

template <typename T>
T get(const nlohmann::json& j, const char* key, const std::string& what) {
  if (!j.contains(key)) throw IoError(what + ": the model description lacks '" + key + "'.");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw IoError(what + ": bad '" + std::string(key) + "' in the model description (" + e.what() + ").");
  }
}

}  // namespace

void Sequential::save_weights(const std::filesystem::path& path) const {
  save_npz(path, weight_arrays(const_cast<Sequential&>(*this)));
}

void Sequential::load_weights(const std::filesystem::path& path) {
  if (!built()) throw StateError(name() + ".load_weights: the model is not built yet.\nHint: give an input shape first.");
  restore_weights(*this, load_npz(path), "load_weights('" + path.string() + "')");
}

void Sequential::save(const std::filesystem::path& path) const {
  auto& self = const_cast<Sequential&>(*this);
  if (!built()) throw StateError(name() + ".save: the model is not built yet.\nHint: give an input shape first.");
  NamedArrays arrays;
  arrays.emplace_back(kConfigName, NpyArray::from_string(model_config(*this).dump()));
  for (auto& a : weight_arrays(self)) arrays.push_back(std::move(a));
  if (compiled()) {
    const int64_t it = optimizer().iterations();
    arrays.emplace_back("optimizer/iterations", NpyArray::from_int64({1}, std::span<const int64_t>(&it, 1)));
    const auto names = weight_names();
    const auto params = self.params();
    const auto slot_names = optimizer().slot_names();
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i]->trainable || !optimizer().has_slots(*params[i])) continue;
      const auto& slots = self.optimizer().slots(*params[i]);
      for (size_t s = 0; s < slots.size(); ++s) {
        arrays.emplace_back("optimizer/" + names[i] + "/" + slot_names[s],
                            NpyArray::from_tensor(to_keras_layout(*params[i], slots[s])));
      }
    }
  }
  save_npz(path, arrays);
}

Sequential load_model(const std::filesystem::path& path) {
  const std::string what = "load_model('" + path.string() + "')";
  const NamedArrays arrays = load_npz(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(find_array(arrays, kConfigName, what).to_string());
  } catch (const nlohmann::json::exception& e) {
    throw IoError(what + ": the model description is not valid JSON (" + e.what() + ").");
  }
  detail::validate_model_document(j, arrays, what);
  if (j.value("format", "") != kFormat) {
    throw IoError(what + ": expected a petal model file (format '" + std::string(kFormat) + "'); received format '" +
                  j.value("format", std::string("?")) + "'.");
  }
  if (get<int>(j, "version", what) != kVersion) {
    throw IoError(what + ": expected model file version " + std::to_string(kVersion) + "; received version " +
                  std::to_string(get<int>(j, "version", what)) + ".\nHint: this file was written by another petal version.");
  }
  Sequential m({.seed = get<uint64_t>(j, "seed", what), .name = get<std::string>(j, "name", what),
                .input_shape = get<Shape>(j, "input_shape", what)});
  for (const auto& l : j.at("layers")) m.add(detail::layer_from_config(get<std::string>(l, "type", what), l.at("config").dump()));
  restore_weights(m, arrays, what);
  if (get<bool>(j, "compiled", what)) {
    const auto& opt = j.at("optimizer");
    m.compile(*optimizer_from_config(get<std::string>(opt, "name", what), opt.at("config").dump()),
              get<std::string>(j, "loss", what), j.value("metrics", std::vector<std::string>{}));
    Optimizer& o = m.optimizer();
    o.set_iterations(find_array(arrays, "optimizer/iterations", what).to_int64().at(0));
    const auto names = m.weight_names();
    const auto params = m.params();
    const auto slot_names = o.slot_names();
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i]->trainable) continue;
      const std::string prefix = "optimizer/" + names[i] + "/";
      bool any = false;
      for (const auto& [n, a] : arrays) any = any || n.rfind(prefix, 0) == 0;
      if (!any) continue;
      auto& slots = o.slots(*params[i]);
      for (size_t s = 0; s < slots.size(); ++s) {
        slots[s] = from_keras_layout(*params[i], find_array(arrays, prefix + slot_names[s], what).to_tensor());
      }
    }
  }
  m.set_epochs_completed(get<int64_t>(j, "epochs_completed", what));
  return m;
}

}  // namespace petal
