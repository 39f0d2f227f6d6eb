// The recipe's choices that follow the data it is given, so that it runs
// untouched on any small image set: the image size from the images' own sizes,
// the epochs from the number of training images.
#pragma once

#include <cstdint>
#include <string>

namespace petal::detail {

// The recipe's compute budget: about this many optimizer steps (of any batch
// size), within kRecipeMinEpochs..kRecipeMaxEpochs epochs.
inline constexpr int64_t kRecipeSteps = 4000;
inline constexpr int64_t kRecipeMinEpochs = 30, kRecipeMaxEpochs = 150;
// The recipe's learning-rate warm-up: this many epochs, at most a tenth of the run.
inline constexpr int64_t kRecipeWarmupEpochs = 5;
// The recipe's working image size is at most this (pixels, square).
inline constexpr int64_t kRecipeMaxSide = 96, kRecipeMinSide = 32;

struct AutoChoice {
  int64_t value = 0;
  std::string why;  // for the run's log: what the value was derived from
};

// The median shorter side of the dataset's images, read from the headers of up
// to 256 files spread over the listing, rounded down to a multiple of 8 and kept
// within [kRecipeMinSide, kRecipeMaxSide]. A CSV dataset's rows fix their own
// size (square RGB rows: sqrt(values / 3)). DataError when neither can be read.
AutoChoice auto_image_side(const std::string& data);

// Epochs for about kRecipeSteps optimizer steps of `steps_per_epoch` each.
AutoChoice auto_epochs(int64_t steps_per_epoch);

// Warm-up epochs for a run of `epochs`: kRecipeWarmupEpochs, at most epochs / 10;
// 0 when `lr_schedule` is "none" (a warm-up is part of a schedule).
AutoChoice auto_warmup_epochs(int64_t epochs, const std::string& lr_schedule);

}  // namespace petal::detail
