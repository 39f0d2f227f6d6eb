// The computation of a layer written outside the library: forward and backward
// on plain row-major buffers (Keras's order: [N, H, W, C], [N, F]). A layer
// returns one from Layer::make_plain_plan(); the library runs it inside its
// graph plans, converting layouts at its edges. Only installed headers needed:
// docs/adding-a-layer.md walks through one.
#pragma once

#include <cstdint>
#include <span>

#include "petal/core/shape.h"

namespace petal {

struct PlainTensor {
  float* data = nullptr;  // null: not needed (an input whose gradient nobody uses)
  Shape shape = {};       // with the batch dimension
  int64_t size() const { return num_elements(shape); }
};

struct ConstPlainTensor {
  const float* data = nullptr;
  Shape shape = {};
  int64_t size() const { return num_elements(shape); }
};

struct PlainStep {
  uint64_t step = 0;              // training iteration (seeds random masks)
  bool training = true;           // training or inference phase
  bool accumulate_grads = true;   // false: backward may overwrite parameter gradients
};

// The contract (dlib's): backward writes each needed input gradient and adds
// into the parameter gradients (Param::grad, Keras layout), or overwrites them
// when step.accumulate_grads is false. Buffers are the library's and stay
// valid between forward and backward of one step; keep no pointers beyond it.
class PlainPlan {
 public:
  virtual ~PlainPlan() = default;
  virtual void forward(std::span<const ConstPlainTensor> inputs, const PlainTensor& output, const PlainStep& step) = 0;
  virtual void backward(std::span<const ConstPlainTensor> inputs, const ConstPlainTensor& output,
                        const ConstPlainTensor& output_grad, std::span<const PlainTensor> input_grads,
                        const PlainStep& step) = 0;
};

}  // namespace petal
