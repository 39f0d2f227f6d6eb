// RootOnly: forwards every hook on rank 0, none elsewhere.
#include "petal/distributed/root_only.h"

#include "petal/core/error.h"
#include "petal/distributed/context.h"

namespace petal {

RootOnly::RootOnly(CallbackPtr inner) : inner_(std::move(inner)), root_(DistributedContext::init().is_root()) {
  if (!inner_) throw ConfigError("RootOnly: received a null callback.");
}

void RootOnly::set_model(Model* model) {
  Callback::set_model(model);
  inner_->set_model(model);
}

void RootOnly::set_params(const TrainParams& params) {
  Callback::set_params(params);
  inner_->set_params(params);
}

void RootOnly::on_train_begin(Logs& l) { if (root_) inner_->on_train_begin(l); }
void RootOnly::on_train_end(Logs& l) { if (root_) inner_->on_train_end(l); }
void RootOnly::on_epoch_begin(int64_t e, Logs& l) { if (root_) inner_->on_epoch_begin(e, l); }
void RootOnly::on_epoch_end(int64_t e, Logs& l) { if (root_) inner_->on_epoch_end(e, l); }
void RootOnly::on_train_batch_begin(int64_t b, Logs& l) { if (root_) inner_->on_train_batch_begin(b, l); }
void RootOnly::on_train_batch_end(int64_t b, Logs& l) { if (root_) inner_->on_train_batch_end(b, l); }
void RootOnly::on_test_begin(Logs& l) { if (root_) inner_->on_test_begin(l); }
void RootOnly::on_test_end(Logs& l) { if (root_) inner_->on_test_end(l); }
void RootOnly::on_test_batch_begin(int64_t b, Logs& l) { if (root_) inner_->on_test_batch_begin(b, l); }
void RootOnly::on_test_batch_end(int64_t b, Logs& l) { if (root_) inner_->on_test_batch_end(b, l); }
void RootOnly::on_predict_begin(Logs& l) { if (root_) inner_->on_predict_begin(l); }
void RootOnly::on_predict_end(Logs& l) { if (root_) inner_->on_predict_end(l); }
void RootOnly::on_predict_batch_begin(int64_t b, Logs& l) { if (root_) inner_->on_predict_batch_begin(b, l); }
void RootOnly::on_predict_batch_end(int64_t b, Logs& l) { if (root_) inner_->on_predict_batch_end(b, l); }

CallbackPtr root_only(CallbackPtr callback) { return std::make_shared<RootOnly>(std::move(callback)); }

}  // namespace petal
