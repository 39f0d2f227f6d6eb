// EarlyStopping (keras/callbacks.py 2.2.4).
#include "petal/callbacks/early_stopping.h"

#include <iostream>

#include "petal/model/sequential.h"

namespace petal {

EarlyStopping::EarlyStopping(EarlyStoppingOptions options)
    : options_(std::move(options)), monitor_(options_.monitor, options_.mode, options_.min_delta) {}

void EarlyStopping::on_train_begin(Logs&) {
  wait_ = 0;
  stopped_epoch_ = 0;
  best_ = options_.baseline ? *options_.baseline : monitor_.worst();
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(int64_t epoch, Logs& logs) {
  const auto current = logs.get(options_.monitor);
  if (!current) {
    std::cerr << "EarlyStopping: early stopping conditioned on metric `" << options_.monitor
              << "` which is not available. Available metrics are: ";
    for (const auto& k : logs.keys()) std::cerr << k << ",";
    std::cerr << "\n";
    return;
  }
  if (monitor_.improved(*current, best_)) {
    best_ = *current;
    wait_ = 0;
    if (options_.restore_best_weights) best_weights_ = model_->get_weights();
    return;
  }
  if (++wait_ >= options_.patience) {
    stopped_epoch_ = epoch;
    model_->stop_training = true;
    if (options_.restore_best_weights && !best_weights_.empty()) {
      if (options_.verbose > 0) std::cout << "Restoring model weights from the end of the best epoch\n";
      model_->set_weights(best_weights_);
    }
  }
}

CallbackState EarlyStopping::state() const {
  CallbackState s{.values = {{"wait", static_cast<double>(wait_)},
                             {"stopped_epoch", static_cast<double>(stopped_epoch_)},
                             {"best", best_}},
                  .tensors = best_weights_};
  return s;
}

void EarlyStopping::restore(const CallbackState& s) {
  wait_ = static_cast<int64_t>(s.value("wait", 0));
  stopped_epoch_ = static_cast<int64_t>(s.value("stopped_epoch", 0));
  best_ = s.value("best", best_);
  best_weights_ = s.tensors;
}

void EarlyStopping::on_train_end(Logs&) {
  if (stopped_epoch_ > 0 && options_.verbose > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "Epoch %05lld: early stopping\n", static_cast<long long>(stopped_epoch_ + 1));
    std::cout << buf;
  }
}

}  // namespace petal
