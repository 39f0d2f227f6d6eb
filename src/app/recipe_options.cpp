// Checks and wiring of the recipe options (see recipe_options.h).
#include "app/recipe_options.h"

#include "app/config_parse.h"
#include "app/recipe_auto.h"
#include "petal/callbacks/exponential_moving_average.h"
#include "petal/callbacks/lr_schedules.h"
#include "petal/core/error.h"

namespace petal::detail {

void validate_recipe_options(const TrainConfig& c) {
  if (c.mode == "fit" && (c.mixup > 0 || c.cutmix > 0)) {
    throw ConfigError("--mixup/--cutmix mix the batches of a generator; --mode fit trains on the arrays as they "
                      "are.\nHint: use --mode generator (or batch).");
  }
  if (c.weight_decay > 0 && c.optimizer != "adamw" && c.optimizer != "sgdw") {
    throw ConfigError("--weight-decay " + format_number(c.weight_decay) + ": decoupled weight decay needs --optimizer "
                      "adamw or sgdw; received --optimizer " + c.optimizer + ".\nHint: --l2 adds an L2 penalty to the "
                      "loss instead.");
  }
  if (c.warmup_epochs > 0 && c.lr_schedule == "none") {
    throw ConfigError("--warmup-epochs " + std::to_string(c.warmup_epochs) + ": a warm-up is part of a schedule; "
                      "received --lr-schedule none.\nHint: add --lr-schedule cosine (or onecycle).");
  }
  if (c.warmup_epochs > 0 && c.epochs > 0 && c.warmup_epochs >= c.epochs) {  // epochs 0: auto, checked once chosen
    throw ConfigError("--warmup-epochs: expected fewer warm-up epochs than --epochs " + std::to_string(c.epochs) +
                      "; received " + std::to_string(c.warmup_epochs) + ".");
  }
  if (c.lr_floor > 0 && c.lr_schedule != "cosine") {
    throw ConfigError("--lr-floor " + format_number(c.lr_floor) + " is the floor of the cosine schedule; received "
                      "--lr-schedule " + c.lr_schedule + ".");
  }
  if (c.ema_num_updates && c.ema == 0) {
    throw ConfigError("--ema-num-updates: applies to the moving average; received no --ema (0 = off).\nHint: "
                      "--ema 0.999 --ema-num-updates.");
  }
}

LossSpec loss_spec(const TrainConfig& c) { return {"categorical_crossentropy", c.label_smoothing}; }

CallbackPtr make_lr_schedule(const TrainConfig& c, int64_t steps_per_epoch) {
  if (c.lr_schedule == "none") return nullptr;
  const bool per_step = c.lr_schedule_unit == "step";
  const int64_t k = per_step ? std::max<int64_t>(1, steps_per_epoch) : 1;
  const ScheduleUnit unit = per_step ? ScheduleUnit::Step : ScheduleUnit::Epoch;
  const int64_t warmup_epochs =
      c.warmup_epochs < 0 ? auto_warmup_epochs(c.epochs, c.lr_schedule).value : c.warmup_epochs;
  const int64_t warm = warmup_epochs * k, total = c.epochs * k;
  if (c.lr_schedule == "onecycle") {
    OneCycleOptions o{.max_learning_rate = c.lr, .total_steps = total, .unit = unit};
    // The rise ends at step `warm` (PyTorch's peak is at pct_start * total - 1).
    if (warm > 0) o.pct_start = static_cast<double>(warm + 1) / static_cast<double>(total);
    return std::make_shared<OneCycle>(o);
  }
  CosineDecayOptions o{.initial_learning_rate = c.lr, .decay_steps = total - warm, .alpha = c.lr_floor, .unit = unit};
  if (warm > 0) {
    // Linear rise lr * (s + 1) / (warm + 1) for s < warm, then the cosine from lr.
    o.initial_learning_rate = c.lr / static_cast<double>(warm + 1);
    o.warmup_target = c.lr;
    o.warmup_steps = warm;
  }
  return std::make_shared<CosineDecay>(o);
}

CallbackPtr make_ema(const TrainConfig& c, const std::filesystem::path& state_path, bool write_state) {
  if (c.ema == 0) return nullptr;
  return std::make_shared<ExponentialMovingAverage>(
      ExponentialMovingAverageOptions{.decay = c.ema, .use_num_updates = c.ema_num_updates,
                                      .include_non_trainable = true, .swap_on_epoch = true,
                                      .state_path = state_path, .write_state = write_state});
}

std::optional<BatchMixOptions> batch_mix_options(const TrainConfig& c, uint64_t seed) {
  if (c.mixup == 0 && c.cutmix == 0) return std::nullopt;
  return BatchMixOptions{.mixup_alpha = c.mixup, .cutmix_alpha = c.cutmix, .seed = seed};
}

}  // namespace petal::detail
