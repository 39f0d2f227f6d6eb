// ReduceLROnPlateau and LearningRateScheduler.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "petal/callbacks/learning_rate_scheduler.h"
#include "petal/callbacks/reduce_lr_on_plateau.h"
#include "petal/core/error.h"
#include "petal/model/sequential.h"

namespace petal {

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options)
    : options_(std::move(options)), monitor_(options_.monitor, options_.mode, options_.min_delta) {
  if (!(options_.factor < 1.0)) {
    throw ConfigError("ReduceLROnPlateau: expected factor < 1.0 (it multiplies the learning rate); received " +
                      std::to_string(options_.factor) + ".");
  }
}

void ReduceLROnPlateau::on_train_begin(Logs&) {
  best_ = monitor_.worst();
  wait_ = 0;
  cooldown_counter_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int64_t epoch, Logs& logs) {
  Optimizer& opt = model_->optimizer();
  logs.set("lr", opt.learning_rate());
  const auto current = logs.get(options_.monitor);
  if (!current) {
    std::cerr << "ReduceLROnPlateau: reduce LR on plateau conditioned on metric `" << options_.monitor
              << "` which is not available.\n";
    return;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  if (monitor_.improved(*current, best_)) {
    best_ = *current;
    wait_ = 0;
  } else if (cooldown_counter_ == 0 && ++wait_ >= options_.patience) {
    const double old_lr = opt.learning_rate();
    if (old_lr > options_.min_lr) {
      const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
      opt.set_learning_rate(new_lr);
      if (options_.verbose > 0) {
        std::printf("\nEpoch %05lld: ReduceLROnPlateau reducing learning rate to %g.\n",
                    static_cast<long long>(epoch + 1), new_lr);
      }
      cooldown_counter_ = options_.cooldown;
      wait_ = 0;
    }
  }
}

CallbackState ReduceLROnPlateau::state() const {
  return {.values = {{"best", best_},
                     {"wait", static_cast<double>(wait_)},
                     {"cooldown_counter", static_cast<double>(cooldown_counter_)}}};
}

void ReduceLROnPlateau::restore(const CallbackState& s) {
  best_ = s.value("best", best_);
  wait_ = static_cast<int64_t>(s.value("wait", 0));
  cooldown_counter_ = static_cast<int64_t>(s.value("cooldown_counter", 0));
}

LearningRateScheduler::LearningRateScheduler(Schedule schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  if (!schedule_) throw ConfigError("LearningRateScheduler: expected a schedule function; received none.");
}

void LearningRateScheduler::on_epoch_begin(int64_t epoch, Logs&) {
  Optimizer& opt = model_->optimizer();
  const double lr = schedule_(epoch, opt.learning_rate());
  if (!std::isfinite(lr) || lr < 0) {
    throw ConfigError("LearningRateScheduler: the schedule returned " + std::to_string(lr) + " for epoch " +
                      std::to_string(epoch) + "; expected a finite, non-negative learning rate.");
  }
  opt.set_learning_rate(lr);
  if (verbose_ > 0) {
    std::printf("\nEpoch %05lld: LearningRateScheduler setting learning rate to %g.\n",
                static_cast<long long>(epoch + 1), lr);
  }
}

void LearningRateScheduler::on_epoch_end(int64_t, Logs& logs) { logs.set("lr", model_->optimizer().learning_rate()); }

}  // namespace petal
