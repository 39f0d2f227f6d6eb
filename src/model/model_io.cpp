// Model files (save / load_model) and weight archives (save_weights /
// load_weights), both NumPy .npz archives written atomically:
//   petal_model.json                 architecture (the graph), compile settings, training position
//   <layer>/<weight>:0               weights in Keras shapes and names
//   optimizer/iterations             int64 [1]
//   optimizer/<layer>/<weight>:0/<slot>  optimizer state in Keras shapes
//   callbacks/<callback>/<value>     callback states for resuming (callback_state_io.h)
// Version 1 files (a Sequential's layer list) still load. A .h5 / .hdf5 path
// means a Keras HDF5 file instead, as in Keras (src/interop/keras_*).
#include <nlohmann/json.hpp>

#include "model/callback_state_io.h"
#include "model/model_document.h"
#include "model/model_schema.h"
#include "model/model_impl.h"
#include "petal/core/error.h"
#include "petal/interop/keras.h"
#include "petal/io/npz.h"

namespace petal {

namespace {

constexpr const char* kConfigName = "petal_model.json";

NamedArrays weight_arrays(Model& m) {
  NamedArrays out;
  const auto names = m.weight_names();
  const auto params = m.params();
  for (size_t i = 0; i < params.size(); ++i) out.emplace_back(names[i], NpyArray::from_tensor(keras_value(*params[i])));
  return out;
}

void restore_weights(Model& m, const NamedArrays& arrays, const std::string& what) {
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

void restore_optimizer(Model& m, const NamedArrays& arrays, const std::string& what) {
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

}  // namespace

void Model::save_weights(const std::filesystem::path& path) const {
  if (is_keras_hdf5_path(path)) return save_keras_weights(*this, path);
  save_npz(path, weight_arrays(const_cast<Model&>(*this)));
}

void Model::load_weights(const std::filesystem::path& path, bool by_name) {
  if (is_keras_hdf5_path(path)) return load_keras_weights(*this, path, by_name);
  if (!built()) throw StateError(name() + ".load_weights: the model is not built yet.\nHint: give an input shape first.");
  restore_weights(*this, load_npz(path), "load_weights('" + path.string() + "')");
}

void Model::save(const std::filesystem::path& path) const {
  if (is_keras_hdf5_path(path)) return save_keras_model(*this, path);
  auto& self = const_cast<Model&>(*this);
  if (!built()) throw StateError(name() + ".save: the model is not built yet.\nHint: give an input shape first.");
  NamedArrays arrays;
  arrays.emplace_back(kConfigName, NpyArray::from_string(detail::model_document(*this).dump()));
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
  detail::append_callback_states(callback_states(), arrays);
  save_npz(path, arrays);
}

Model load_model(const std::filesystem::path& path) {
  if (is_keras_hdf5_path(path)) return load_keras_model(path);
  const std::string what = "load_model('" + path.string() + "')";
  const NamedArrays arrays = load_npz(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(find_array(arrays, kConfigName, what).to_string());
  } catch (const nlohmann::json::exception& e) {
    throw IoError(what + ": the model description is not valid JSON (" + e.what() + ").");
  }
  detail::validate_model_document(j, arrays, what);
  Model m = detail::model_from_document(j, what);
  restore_weights(m, arrays, what);
  if (m.compiled()) restore_optimizer(m, arrays, what);
  m.set_callback_states(detail::read_callback_states(arrays, what));
  return m;
}

}  // namespace petal
