// How much memory a model, a batch and a decoded data set need, estimated from
// layer configs before anything is allocated, against what this machine has.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "petal/core/shape.h"
#include "petal/model/model.h"
#include "petal/models/zoo.h"

namespace petal {

// One layer as a model file stores it: Keras class name and config JSON.
struct LayerSpec {
  std::string type;
  std::string config_json;
};

struct MemoryEstimate {
  int64_t parameters = 0;       // weights, as floats
  int64_t activations = 0;      // floats per sample over every layer output and the input
  std::string largest_layer{};  // the layer with the largest output
  Shape largest_output{};       // its output shape per sample
  double bytes = 0;             // the total below, in bytes (double: no overflow)
};

// Bytes = 4 x (parameters x (1 value + 1 gradient + 2 optimizer slots when
// training) + batch x activations x (3 when training: output, its gradient and
// what backward keeps; 1 for inference)). Output shapes follow the layers' own
// rules (Keras's). ConfigError naming the layer for an input the layer cannot take
// (a layer type it does not know counts no memory).
MemoryEstimate estimate_memory(const std::vector<LayerSpec>& layers, const Shape& input_shape, int64_t batch,
                               bool training);

// A built model: its parameters and the output shapes of its graph's nodes.
MemoryEstimate estimate_memory(const Model& built, int64_t batch, bool training);

// A built-in model (build_model's names and options) at options' input size:
// chains from their layer configs (nothing built at that size), graph models
// built at it (their weights do not grow with the input).
MemoryEstimate estimate_zoo_memory(const std::string& model, const ZooOptions& options, int64_t batch, bool training);

// "1,234,567 parameters; largest output [512, 512, 32] (conv2d_1)"
std::string describe(const MemoryEstimate& estimate);

// Memory a process may use here: the smaller of physical memory (sysconf) and a
// cgroup limit (memory.max); 0 when unknown.
double machine_memory_bytes();
// MemAvailable from /proc/meminfo; 0 when unknown.
double available_memory_bytes();

// "12.3 GiB"
std::string format_bytes(double bytes);

// Throws ConfigError "<what> needs about X (...); this machine has Y" when `bytes`
// exceeds machine_memory_bytes(), with `hint` as the Hint line.
void check_memory(double bytes, const std::string& what, const std::string& detail, const std::string& hint);

}  // namespace petal
