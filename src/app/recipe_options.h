// The trainer's options for modern recipes (label smoothing, mixup/CutMix,
// decoupled weight decay, learning-rate schedules with warm-up, EMA of the
// weights): their cross-option checks and the library objects they make.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "petal/app/train_config.h"
#include "petal/callbacks/callback.h"
#include "petal/data/batch_mix.h"
#include "petal/losses/loss.h"

namespace petal::detail {

// ConfigError with a Hint for options that conflict or would have no effect.
void validate_recipe_options(const TrainConfig& config);

// categorical_crossentropy with the config's label smoothing.
LossSpec loss_spec(const TrainConfig& config);

// The --lr-schedule callback (CosineDecay or OneCycle), null for none. A step
// schedule spans epochs * steps_per_epoch steps; warm-up epochs count likewise.
CallbackPtr make_lr_schedule(const TrainConfig& config, int64_t steps_per_epoch);

// The --ema callback (null when off). It swaps the averages in at each epoch's
// end, so that model_last.petal, model.petal and the report hold them, and keeps
// the training weights in `state_path` for --resume (written when write_state).
CallbackPtr make_ema(const TrainConfig& config, const std::filesystem::path& state_path, bool write_state);

// --mixup / --cutmix as BatchMixOptions seeded with `seed`; nullopt when both are off.
std::optional<BatchMixOptions> batch_mix_options(const TrainConfig& config, uint64_t seed);

}  // namespace petal::detail
