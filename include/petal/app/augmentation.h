// The trainer's augmentation settings as Keras ImageDataGenerator options. Kept
// apart from the training headers: image_data_generator.h and the model headers
// each declare a petal::FitOptions, so one source file cannot include both.
#pragma once

#include "petal/app/train_config.h"
#include "petal/data/image_data_generator.h"

namespace petal {

// Random transforms of the config (none unless augmentation_active) and its rescale.
ImageDataGeneratorOptions augmentation_options(const TrainConfig& config);

}  // namespace petal
