// Keras-style callbacks: hooks with a `logs` map at train/epoch/batch begin and
// end (train, test and predict), and a CallbackList that is itself a callback.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "petal/model/logs.h"

namespace petal {

class Model;

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
};

}  // namespace petal
