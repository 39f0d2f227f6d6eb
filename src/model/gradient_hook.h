// The model's extension point between backward and the optimizer update:
// data-parallel training (src/distributed) averages gradients over ranks here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace petal {
class Sequential;
}

namespace petal::detail {

// train_on_batch calls, in order: begin_step once the batch's plan exists (so
// parameter layouts are settled), layer_done as backward finishes each layer
// (last layer first; its parameter gradients are then final), and end_step
// after backward, before regularisation terms and the optimizer update.
class GradientHook {
 public:
  virtual ~GradientHook() = default;
  virtual void begin_step(Sequential& model, int64_t batch_size) = 0;
  virtual void layer_done(size_t layer_index) = 0;
  virtual void end_step() = 0;
};

}  // namespace petal::detail
