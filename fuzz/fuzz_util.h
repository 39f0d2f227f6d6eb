// Shared by the libFuzzer targets: petal's own errors are the expected answer to
// hostile bytes; anything else (another exception, a crash, a sanitizer report,
// a runaway allocation) is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"

namespace petal::fuzzing {

// The model of the model-file seeds, and whose weights fuzz_model_file packs with
// a fuzzed description: every layer type with weights or state, compiled.
inline Sequential seed_cnn() {
  Sequential cnn({.seed = 1, .input_shape = {6, 6, 2}});
  cnn.add(Conv2D({.filters = 2, .padding = Padding::Same}));
  cnn.add(BatchNormalization());
  cnn.add(Activation("relu"));
  cnn.add(MaxPooling2D());
  cnn.add(Dropout(0.25f));
  cnn.add(Flatten());
  cnn.add(Dense({.units = 2, .activation = "softmax"}));
  cnn.compile(SGD({.learning_rate = 0.1, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  return cnn;
}

// Readers that take a path get the input through a per-process file (in /dev/shm
// when it exists, so that no disk is touched).
inline std::filesystem::path write_input(const uint8_t* data, size_t size, const char* suffix) {
  static const std::filesystem::path dir =
      std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
  const auto path = dir / ("petal_fuzz_" + std::to_string(::getpid()) + suffix);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
  return path;
}

}  // namespace petal::fuzzing
