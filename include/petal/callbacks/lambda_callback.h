// TerminateOnNaN and LambdaCallback (ad-hoc hooks from functions), as Keras.
#pragma once

#include <functional>

#include "petal/callbacks/callback.h"

namespace petal {

// Stops training when a batch's loss is NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_train_batch_end(int64_t batch, Logs& logs) override;
};

struct LambdaCallbackOptions {
  std::function<void(int64_t, Logs&)> on_epoch_begin = {};
  std::function<void(int64_t, Logs&)> on_epoch_end = {};
  std::function<void(int64_t, Logs&)> on_batch_begin = {};
  std::function<void(int64_t, Logs&)> on_batch_end = {};
  std::function<void(Logs&)> on_train_begin = {};
  std::function<void(Logs&)> on_train_end = {};
};

class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions hooks) : hooks_(std::move(hooks)) {}
  void on_epoch_begin(int64_t epoch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_batch_begin(int64_t batch, Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  void on_train_begin(Logs& logs) override;
  void on_train_end(Logs& logs) override;

 private:
  LambdaCallbackOptions hooks_;
};

}  // namespace petal
