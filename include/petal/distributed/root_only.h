// RootOnly: runs a callback on rank 0 of a distributed job only, for callbacks
// that write files or print (plots, reports). In a single process it always runs.
#pragma once

#include "petal/callbacks/callback.h"

namespace petal {

// fit with `.distributed = true` already keeps ProgbarLogger, ModelCheckpoint and
// CSVLogger on rank 0; wrap any other writer: callbacks.push_back(root_only(plot)).
class RootOnly : public Callback {
 public:
  explicit RootOnly(CallbackPtr inner);
  const CallbackPtr& inner() const { return inner_; }

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
  CallbackPtr inner_;
  bool root_;
};

CallbackPtr root_only(CallbackPtr callback);

}  // namespace petal
