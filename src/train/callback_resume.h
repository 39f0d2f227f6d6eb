// Callback states across a resume: while a training loop runs, the model's saves
// take its callbacks' states (so a model file holds weights and states together);
// a loop that starts at a loaded model's epochs_completed() restores them.
#pragma once

#include <cstdint>

#include "petal/callbacks/callback.h"
#include "petal/model/model.h"

namespace petal::detail {

// Key of the loop's own state (values: stop_training, epochs).
inline constexpr const char* kTrainingLoopState = "TrainingLoop";

// For the life of a training loop: after on_train_begin, restores the states the
// model holds into `callbacks` (when initial_epoch is the model's epochs_completed()
// and > 0), then makes the model's saves record the callbacks' current states; on
// destruction the model keeps the last states (a later save() stays consistent).
class CallbackStateScope {
 public:
  CallbackStateScope(Model& model, const CallbackList& callbacks, int64_t initial_epoch);
  ~CallbackStateScope();
  CallbackStateScope(const CallbackStateScope&) = delete;
  CallbackStateScope& operator=(const CallbackStateScope&) = delete;

 private:
  Model& model_;
  const CallbackList& callbacks_;
};

// The states of `callbacks` now: per keyed callback its state() plus "epochs"
// (the model's epochs_completed()) and "behind" = 1 for one that has not yet
// seen the epoch being ended (it comes after the callback that saves).
CallbackStates collect_callback_states(const CallbackList& callbacks, const Model& model);

// Whether `model`'s saved states say training had stopped (EarlyStopping) when it was saved.
bool saved_stop_training(const Model& model);

}  // namespace petal::detail
