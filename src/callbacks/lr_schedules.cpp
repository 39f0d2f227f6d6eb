// CosineDecay and OneCycle: the schedule functions and the hooks that set the
// optimizer's rate from them.
#include "petal/callbacks/lr_schedules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include "petal/core/error.h"
#include "petal/model/sequential.h"

namespace petal {

namespace {

void check_rate(const char* who, const char* what, double v) {
  if (!std::isfinite(v) || v < 0) {
    throw ConfigError(std::string(who) + ": expected " + what + " >= 0; received " + std::to_string(v) + ".");
  }
}

void set_rate(Model* model, const char* who, double lr, int64_t at, bool print_epoch) {
  if (!model) throw StateError(std::string(who) + ": the callback is not attached to a model.");
  if (!std::isfinite(lr) || lr < 0) {
    throw StateError(std::string(who) + ": the schedule gave " + std::to_string(lr) + " at step " +
                     std::to_string(at) + "; expected a finite rate >= 0.");
  }
  model->optimizer().set_learning_rate(lr);
  if (print_epoch) {
    std::printf("\nEpoch %05lld: %s setting learning rate to %g.\n", static_cast<long long>(at + 1), who, lr);
  }
}

// The global step of the next training batch: the optimizer's update count.
int64_t global_step(Model* model) { return model ? model->optimizer().iterations() : 0; }

}  // namespace

CosineDecay::CosineDecay(CosineDecayOptions o) : options_(o) {
  check_rate("CosineDecay", "initial_learning_rate", o.initial_learning_rate);
  if (o.decay_steps < 1) {
    throw ConfigError("CosineDecay: expected decay_steps >= 1; received " + std::to_string(o.decay_steps) + ".");
  }
  if (!(o.alpha >= 0.0 && o.alpha <= 1.0)) {
    throw ConfigError("CosineDecay: expected alpha (the floor, a fraction) in [0, 1]; received " +
                      std::to_string(o.alpha) + ".");
  }
  if (o.warmup_target) check_rate("CosineDecay", "warmup_target", *o.warmup_target);
  if (o.warmup_steps < 0) {
    throw ConfigError("CosineDecay: expected warmup_steps >= 0; received " + std::to_string(o.warmup_steps) + ".");
  }
}

double CosineDecay::operator()(int64_t step) const {
  const auto& o = options_;
  auto decay = [&](double s, double from) {
    // Written as petal's earlier per-epoch cosine so that alpha = 0 gives its bits.
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * s / static_cast<double>(o.decay_steps)));
    return from * ((1.0 - o.alpha) * cosine + o.alpha);
  };
  const double s = static_cast<double>(std::max<int64_t>(step, 0));
  if (!o.warmup_target) return decay(std::min(s, static_cast<double>(o.decay_steps)), o.initial_learning_rate);
  const double warm = static_cast<double>(o.warmup_steps);
  const double at = std::min(s, static_cast<double>(o.decay_steps) + warm);
  if (at < warm) return (*o.warmup_target - o.initial_learning_rate) * (at / warm) + o.initial_learning_rate;
  return decay(at - warm, *o.warmup_target);
}

void CosineDecay::on_epoch_begin(int64_t epoch, Logs&) {
  if (options_.unit != ScheduleUnit::Epoch) return;
  set_rate(model_, "CosineDecay", (*this)(epoch), epoch, options_.verbose > 0);
}

void CosineDecay::on_train_batch_begin(int64_t, Logs&) {
  if (options_.unit != ScheduleUnit::Step) return;
  const int64_t step = global_step(model_);
  set_rate(model_, "CosineDecay", (*this)(step), step, false);
}

void CosineDecay::on_epoch_end(int64_t, Logs& logs) { logs.set("lr", model_->optimizer().learning_rate()); }

OneCycle::OneCycle(OneCycleOptions o) : options_(o) {
  check_rate("OneCycle", "max_learning_rate", o.max_learning_rate);
  if (o.total_steps < 1) {
    throw ConfigError("OneCycle: expected total_steps >= 1; received " + std::to_string(o.total_steps) + ".");
  }
  if (!(o.pct_start >= 0.0 && o.pct_start <= 1.0)) {
    throw ConfigError("OneCycle: expected pct_start in [0, 1]; received " + std::to_string(o.pct_start) + ".");
  }
  if (!(o.div_factor > 0.0) || !(o.final_div_factor > 0.0) || !std::isfinite(o.div_factor) ||
      !std::isfinite(o.final_div_factor)) {
    throw ConfigError("OneCycle: expected div_factor and final_div_factor > 0; received " +
                      std::to_string(o.div_factor) + " and " + std::to_string(o.final_div_factor) + ".");
  }
}

double OneCycle::operator()(int64_t step) const {
  const auto& o = options_;
  const double initial = o.max_learning_rate / o.div_factor;
  const double final_lr = initial / o.final_div_factor;
  auto anneal = [](double start, double end, double pct) {
    return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
  };
  const double last = static_cast<double>(o.total_steps - 1);
  const double s = std::clamp(static_cast<double>(step), 0.0, last);
  const double peak = o.pct_start * static_cast<double>(o.total_steps) - 1.0;  // PyTorch's first end_step
  if (peak > 0 && s <= peak) return anneal(initial, o.max_learning_rate, s / peak);
  const double start = std::max(peak, 0.0);
  if (last <= start) return peak > 0 ? final_lr : o.max_learning_rate;
  return anneal(o.max_learning_rate, final_lr, (s - start) / (last - start));
}

void OneCycle::on_epoch_begin(int64_t epoch, Logs&) {
  if (options_.unit != ScheduleUnit::Epoch) return;
  set_rate(model_, "OneCycle", (*this)(epoch), epoch, options_.verbose > 0);
}

void OneCycle::on_train_batch_begin(int64_t, Logs&) {
  if (options_.unit != ScheduleUnit::Step) return;
  const int64_t step = global_step(model_);
  set_rate(model_, "OneCycle", (*this)(step), step, false);
}

void OneCycle::on_epoch_end(int64_t, Logs& logs) { logs.set("lr", model_->optimizer().learning_rate()); }

}  // namespace petal
