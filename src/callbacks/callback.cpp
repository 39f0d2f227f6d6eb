// CallbackList: fan-out of every hook.
#include "petal/callbacks/callback.h"

namespace petal {

void CallbackList::set_model(Model* model) {
  Callback::set_model(model);
  for (auto& c : callbacks_) c->set_model(model);
}

void CallbackList::set_params(const TrainParams& params) {
  Callback::set_params(params);
  for (auto& c : callbacks_) c->set_params(params);
}

void CallbackList::on_train_begin(Logs& logs) {
  for (auto& c : callbacks_) c->on_train_begin(logs);
}
void CallbackList::on_train_end(Logs& logs) {
  for (auto& c : callbacks_) c->on_train_end(logs);
}
void CallbackList::on_test_begin(Logs& logs) {
  for (auto& c : callbacks_) c->on_test_begin(logs);
}
void CallbackList::on_test_end(Logs& logs) {
  for (auto& c : callbacks_) c->on_test_end(logs);
}
void CallbackList::on_predict_begin(Logs& logs) {
  for (auto& c : callbacks_) c->on_predict_begin(logs);
}
void CallbackList::on_predict_end(Logs& logs) {
  for (auto& c : callbacks_) c->on_predict_end(logs);
}
void CallbackList::on_epoch_begin(int64_t i, Logs& logs) {
  for (auto& c : callbacks_) c->on_epoch_begin(i, logs);
}
void CallbackList::on_epoch_end(int64_t i, Logs& logs) {
  struct Reset {
    int64_t& at;
    ~Reset() { at = -1; }
  } reset{epoch_end_at_};
  for (size_t k = 0; k < callbacks_.size(); ++k) {
    epoch_end_at_ = static_cast<int64_t>(k);
    callbacks_[k]->on_epoch_end(i, logs);
  }
}
void CallbackList::on_train_batch_begin(int64_t i, Logs& logs) {
  for (auto& c : callbacks_) c->on_train_batch_begin(i, logs);
}
void CallbackList::on_train_batch_end(int64_t i, Logs& logs) {
  for (auto& c : callbacks_) c->on_train_batch_end(i, logs);
}
void CallbackList::on_test_batch_begin(int64_t i, Logs& logs) {
  for (auto& c : callbacks_) c->on_test_batch_begin(i, logs);
}
void CallbackList::on_test_batch_end(int64_t i, Logs& logs) {
  for (auto& c : callbacks_) c->on_test_batch_end(i, logs);
}
void CallbackList::on_predict_batch_begin(int64_t i, Logs& logs) {
  for (auto& c : callbacks_) c->on_predict_batch_begin(i, logs);
}
void CallbackList::on_predict_batch_end(int64_t i, Logs& logs) {
  for (auto& c : callbacks_) c->on_predict_batch_end(i, logs);
}

}  // namespace petal
