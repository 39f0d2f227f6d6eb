// Callback states in model files (see callback_state_io.h).
#include "model/callback_state_io.h"

#include <charconv>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

constexpr std::string_view kPrefix = "callbacks/";

}  // namespace

void append_callback_states(const CallbackStates& states, NamedArrays& arrays) {
  for (const auto& [key, state] : states) {
    const std::string base = std::string(kPrefix) + key + "/";
    for (const auto& [name, v] : state.values) {
      arrays.emplace_back(base + name, NpyArray::from_float64({1}, std::span<const double>(&v, 1)));
    }
    for (size_t i = 0; i < state.tensors.size(); ++i) {
      arrays.emplace_back(base + "@" + std::to_string(i), NpyArray::from_tensor(state.tensors[i]));
    }
  }
}

CallbackStates read_callback_states(const NamedArrays& arrays, const std::string& what) {
  CallbackStates states;
  std::map<std::string, std::map<size_t, Tensor>> tensors;
  for (const auto& [full, a] : arrays) {
    if (full.rfind(kPrefix, 0) != 0) continue;
    const std::string rest = full.substr(kPrefix.size());
    const size_t slash = rest.find('/');
    const std::string key = rest.substr(0, slash);
    const std::string name = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (key.empty() || name.empty() || name.find('/') != std::string::npos) {
      throw IoError(what + ": array '" + full + "': expected a callback state named callbacks/<callback>/<value>.");
    }
    if (name[0] == '@') {
      size_t index = 0;
      const auto [end, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), index);
      if (ec != std::errc() || end != name.data() + name.size() || index >= arrays.size()) {
        throw IoError(what + ": array '" + full + "': expected a tensor index after '@'.");
      }
      tensors[key][index] = a.to_tensor();
      states[key];
      continue;
    }
    if (a.size() != 1 || a.dtype() != DType::Float64) {
      throw IoError(what + ": array '" + full + "': expected one float64 value; received " + std::string(dtype_descr(a.dtype())) +
                    " of shape " + to_string(a.shape()) + ".");
    }
    states[key].values[name] = a.to_float64().at(0);
  }
  for (auto& [key, by_index] : tensors) {
    size_t expected = 0;
    for (auto& [i, t] : by_index) {
      if (i != expected++) throw IoError(what + ": callback state '" + key + "' misses tensor @" + std::to_string(i - 1) + ".");
      states[key].tensors.push_back(std::move(t));
    }
  }
  return states;
}

}  // namespace petal::detail
