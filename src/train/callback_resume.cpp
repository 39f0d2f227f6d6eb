// Callback states across a resume (see callback_resume.h).
#include "train/callback_resume.h"

#include <iostream>
#include <map>

#include "model/model_impl.h"

namespace petal::detail {

namespace {

// Each keyed callback with its unique key ("X", "X#2", ...), in list order.
template <typename F>
void for_each_keyed(const CallbackList& list, F f) {
  std::map<std::string, int> seen;
  const auto& cbs = list.callbacks();
  for (size_t i = 0; i < cbs.size(); ++i) {
    const std::string key = cbs[i]->state_key();
    if (key.empty()) continue;
    const int n = ++seen[key];
    f(i, *cbs[i], n == 1 ? key : key + "#" + std::to_string(n));
  }
}

void restore_states(Model& model, const CallbackList& list, int64_t initial_epoch) {
  if (initial_epoch <= 0 || initial_epoch != model.epochs_completed()) return;
  const CallbackStates& saved = model.impl().callback_states;
  for_each_keyed(list, [&](size_t, Callback& cb, const std::string& key) {
    const auto it = saved.find(key);
    if (it == saved.end() || it->second.value("epochs", -1) != static_cast<double>(initial_epoch)) return;
    if (it->second.value("behind", 0) != 0) {
      std::cerr << "[WARN] fit: callback " << key << " came after the callback that saved the model, so its saved "
                << "state is one epoch older than the weights; the resumed run may differ from an uninterrupted "
                << "one.\nHint: list the callbacks that save the model after the others.\n";
    }
    cb.restore(it->second);
  });
}

}  // namespace

CallbackStates collect_callback_states(const CallbackList& list, const Model& model) {
  CallbackStates states;
  const auto epochs = static_cast<double>(model.epochs_completed());
  const int64_t at = list.epoch_end_at();
  for_each_keyed(list, [&](size_t i, Callback& cb, const std::string& key) {
    CallbackState s = cb.state();
    s.values["epochs"] = epochs;
    if (at >= 0 && static_cast<int64_t>(i) > at) s.values["behind"] = 1;
    states[key] = std::move(s);
  });
  states[kTrainingLoopState].values = {{"epochs", epochs}, {"stop_training", model.stop_training ? 1.0 : 0.0}};
  return states;
}

bool saved_stop_training(const Model& model) {
  const CallbackStates& saved = model.impl().callback_states;
  const auto it = saved.find(kTrainingLoopState);
  return it != saved.end() && it->second.value("epochs", -1) == static_cast<double>(model.epochs_completed()) &&
         it->second.value("stop_training", 0) != 0;
}

CallbackStateScope::CallbackStateScope(Model& model, const CallbackList& callbacks, int64_t initial_epoch)
    : model_(model), callbacks_(callbacks) {
  restore_states(model, callbacks, initial_epoch);
  model.impl().callback_state_source = [this] { return collect_callback_states(callbacks_, model_); };
}

CallbackStateScope::~CallbackStateScope() {
  try {
    model_.impl().callback_states = collect_callback_states(callbacks_, model_);
  } catch (...) {
    model_.impl().callback_states.clear();  // a callback's state() failed: keep none rather than a stale one
  }
  model_.impl().callback_state_source = nullptr;
}

}  // namespace petal::detail
