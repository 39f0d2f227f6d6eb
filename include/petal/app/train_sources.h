// Where the generator and batch modes take training batches from: Keras's
// ImageDataGenerator.flow over the decoded arrays (a Sequence), or the tutorial's
// csv_image_generator with per-batch augmentation (an endless Generator).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "petal/app/train_config.h"
#include "petal/core/tensor.h"
#include "petal/data/numpy_array_iterator.h"
#include "petal/data/sequence.h"

namespace petal {

// flow(x, y, batch_size, shuffle=True, seed) with the config's augmentation and rescale.
std::unique_ptr<NumpyArrayIterator> make_train_flow(const TrainConfig& config, Tensor x, Tensor y, uint64_t seed);

// Reads `csv_path` batch_size rows at a time, wrapping around at the end of the
// file, and (when augmentation is on) returns each batch shuffled and randomly
// transformed as the tutorial's next(aug.flow(images, labels, batch_size=bs))
// does; then rescales. Batch b is drawn from Rng(seed).fork(b).
std::unique_ptr<Generator> make_csv_train_generator(const TrainConfig& config, const std::string& csv_path,
                                                    std::vector<std::string> class_names, uint64_t seed);

// x *= factor, unless factor is 0 (no rescaling) or 1.
void apply_rescale(Tensor& x, double factor);

}  // namespace petal
