// Keras-style callbacks: hooks with a `logs` map at train/epoch/batch begin and
// end (train, test and predict), and a CallbackList that is itself a callback.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "petal/core/tensor.h"
#include "petal/model/logs.h"

namespace petal {

class Model;

// What a callback carries from one epoch to the next (EarlyStopping's wait and
// best, ...): named numbers (exact doubles, infinities included) and tensors.
// Saved in model files with the weights, so that a resumed fit continues it.
struct CallbackState {
  std::map<std::string, double> values = {};
  std::vector<Tensor> tensors = {};
  double value(const std::string& name, double fallback) const {
    const auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};
// By key: a callback's state_key(), "#2", "#3", ... appended for the second and
// later callbacks with one key; "TrainingLoop" holds the loop's own (stop_training).
using CallbackStates = std::map<std::string, CallbackState>;

// What the training loop tells callbacks before training (Keras's set_params).
struct TrainParams {
  int64_t batch_size = 0;  // 0 when batches come from a generator
  int64_t epochs = 0;      // index of the final epoch (exclusive end)
  int64_t steps = 0;       // batches per epoch when counting in steps, else 0
  int64_t samples = 0;     // samples per epoch when counting in samples, else 0
  int verbose = 1;
  bool do_validation = false;
  std::vector<std::string> metrics;  // loss, metrics, then val_* names
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void set_model(Model* model) { model_ = model; }
  virtual void set_params(const TrainParams& params) { params_ = params; }

  virtual void on_train_begin(Logs&) {}
  virtual void on_train_end(Logs&) {}
  virtual void on_epoch_begin(int64_t /*epoch*/, Logs&) {}
  virtual void on_epoch_end(int64_t /*epoch*/, Logs&) {}
  // logs hold "batch" and "size" at begin; loss and metrics too at end.
  virtual void on_train_batch_begin(int64_t /*batch*/, Logs&) {}
  virtual void on_train_batch_end(int64_t /*batch*/, Logs&) {}
  virtual void on_test_begin(Logs&) {}
  virtual void on_test_end(Logs&) {}
  virtual void on_test_batch_begin(int64_t /*batch*/, Logs&) {}
  virtual void on_test_batch_end(int64_t /*batch*/, Logs&) {}
  virtual void on_predict_begin(Logs&) {}
  virtual void on_predict_end(Logs&) {}
  virtual void on_predict_batch_begin(int64_t /*batch*/, Logs&) {}
  virtual void on_predict_batch_end(int64_t /*batch*/, Logs&) {}

  // Resumable state. A callback with a non-empty state_key() has its state()
  // saved whenever the model is saved during training (model files hold it); fit,
  // fit_generator and the CLI's batch loop call restore() after on_train_begin
  // when they resume at the model's epochs_completed() and the model holds a
  // state under this callback's key. Default: no state.
  virtual std::string state_key() const { return {}; }
  virtual CallbackState state() const { return {}; }
  virtual void restore(const CallbackState& /*state*/) {}

  Model* model() const { return model_; }
  const TrainParams& params() const { return params_; }

 protected:
  Model* model_ = nullptr;
  TrainParams params_;
};

using CallbackPtr = std::shared_ptr<Callback>;

// Forwards every hook to its callbacks in order.
class CallbackList : public Callback {
 public:
  CallbackList() = default;
  explicit CallbackList(std::vector<CallbackPtr> callbacks) : callbacks_(std::move(callbacks)) {}
  void append(CallbackPtr cb) { callbacks_.push_back(std::move(cb)); }
  const std::vector<CallbackPtr>& callbacks() const { return callbacks_; }
  // During on_epoch_end: the index of the callback running it (later ones have
  // not seen the epoch yet); -1 otherwise.
  int64_t epoch_end_at() const { return epoch_end_at_; }

  void set_model(Model* model) override;
  void set_params(const TrainParams& params) override;
  void on_train_begin(Logs& logs) override;
  void on_train_end(Logs& logs) override;
  void on_epoch_begin(int64_t epoch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_batch_begin(int64_t batch, Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  void on_test_begin(Logs& logs) override;
  void on_test_end(Logs& logs) override;
  void on_test_batch_begin(int64_t batch, Logs& logs) override;
  void on_test_batch_end(int64_t batch, Logs& logs) override;
  void on_predict_begin(Logs& logs) override;
  void on_predict_end(Logs& logs) override;
  void on_predict_batch_begin(int64_t batch, Logs& logs) override;
  void on_predict_batch_end(int64_t batch, Logs& logs) override;

 private:
  std::vector<CallbackPtr> callbacks_;
  int64_t epoch_end_at_ = -1;
};

}  // namespace petal
