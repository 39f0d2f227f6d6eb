// The model's extension point between backward and the optimizer update:
// data-parallel training (src/distributed) averages gradients over ranks here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace petal {
class Model;
struct Param;
}  // namespace petal

namespace petal::detail {

// train_on_batch calls, in order: begin_step once the batch's plan exists (so
// parameter layouts are settled; `params` is the model's parameter list in
// layer order), layer_done as backward finishes each layer (the largest layer
// index first; once layer i is reported, every layer >= i is final), and
// end_step after backward, before regularisation terms and the optimizer update.
class GradientHook {
 public:
  virtual ~GradientHook() = default;
  virtual void begin_step(Model& model, std::span<Param* const> params, int64_t batch_size) = 0;
  virtual void layer_done(size_t layer_index) = 0;
  virtual void end_step() = 0;
};

// Installs (or, with null, removes) a model's gradient hook; the installed one.
void set_gradient_hook(Model& model, std::shared_ptr<GradientHook> hook);
GradientHook* gradient_hook(const Model& model);

}  // namespace petal::detail
