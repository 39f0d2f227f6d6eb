// The layer contract shared by every layer: lazy build(input_shapes), named
// parameters, a oneDNN execution plan created per batch shape (in src/), and
// the functional API's call on symbolic tensors (petal/model/keras_tensor.h).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "petal/core/rng.h"
#include "petal/core/shape.h"
#include "petal/core/tensor.h"
#include "petal/layers/activations.h"

namespace petal {

class KerasTensor;
class PlainPlan;

namespace detail {
class LayerPlan;
struct PlanContext;
class ParamLayout;
}  // namespace detail

// A named weight with its gradient. Buffers that are state but not trained
// (batch-norm moving statistics) are Params with trainable = false and no grad.
//
// value and grad are in Keras's shape and layout (Conv2D kernel [kh, kw, in, out],
// Dense kernel [in, out]) unless `layout` is set: a large kernel may be kept in
// the blocked layout its oneDNN primitive prefers, so that no step reorders it.
// Then value and grad are 1-D storage (elementwise updates still apply) and
// keras_value() / assign_keras_value() convert.
struct Param {
  std::string name;  // Keras weight name: kernel, bias, gamma, beta, moving_mean, ...
  Tensor value;
  Tensor grad;       // same layout as value; empty when !trainable
  bool trainable = true;
  float l2 = 0.0f;   // L2 penalty factor: loss += l2 * sum(value^2)
  Shape keras_shape = {};
  std::shared_ptr<const detail::ParamLayout> layout = nullptr;  // null: Keras layout
  // Set by the first plan that reads value: from then on its storage layout is
  // fixed (a plan reads it in the layout it was built for), so only that first
  // plan may move it to a blocked layout.
  bool layout_fixed = false;
};

// The value in Keras's shape and layout.
Tensor keras_value(const Param& param);
// Sets the value from a Keras-shaped tensor (ShapeError naming the weight otherwise).
void assign_keras_value(Param& param, const Tensor& keras);
// Converts a tensor stored like param.value (e.g. an optimizer slot) to Keras layout and back.
Tensor to_keras_layout(const Param& param, const Tensor& stored);
Tensor from_keras_layout(const Param& param, const Tensor& keras);

class Layer {
 public:
  virtual ~Layer();
  Layer(Layer&&) noexcept;
  Layer& operator=(Layer&&) noexcept;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // Keras class name, e.g. "Conv2D".
  virtual std::string type() const = 0;
  // Prefix of automatic names, e.g. "conv2d" (-> conv2d_1).
  virtual std::string name_prefix() const = 0;
  // The layer's options as a JSON object (for model files and summary tools).
  virtual std::string config_json() const = 0;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name), auto_named_ = false; }
  // Input shape without batch given in the options (empty if none).
  const Shape& declared_input_shape() const { return declared_input_shape_; }

  // Creates parameters for inputs of these per-sample shapes (one per input,
  // without batch) and returns the output shape. Throws ShapeError naming the
  // layer on incompatible inputs; a built layer accepts only the shapes it was
  // built for (a shared layer sees the same shapes at every call).
  Shape build_inputs(const std::vector<Shape>& input_shapes, Rng& rng);
  Shape build(const Shape& input_shape, Rng& rng) { return build_inputs(std::vector<Shape>{input_shape}, rng); }
  bool built() const { return built_; }
  // Draws every parameter afresh from `rng` (same shapes): what a model does to
  // the layers it is the first to own, so that its seed decides the weights.
  void reinitialize(Rng& rng);
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }
  const Shape& input_shape() const;  // the first input's
  const Shape& output_shape() const { return output_shape_; }
  // Merge layers (Add, Concatenate, ...) take two or more inputs; the rest one.
  virtual bool takes_multiple_inputs() const { return false; }

  // Functional API (Keras): calling a layer on symbolic tensors builds it for
  // their shapes and returns its output tensor. A temporary layer moves into the
  // graph; a layer called more than once (shared weights) is made with
  // petal::shared(...) (petal/model/keras_tensor.h).
  KerasTensor operator()(const KerasTensor& input) &&;
  KerasTensor operator()(const std::vector<KerasTensor>& inputs) &&;
  KerasTensor operator()(const KerasTensor& input) & = delete;
  KerasTensor operator()(const std::vector<KerasTensor>& inputs) & = delete;
  // Moves this layer (its most derived type) into shared ownership.
  virtual std::shared_ptr<Layer> into_shared() && = 0;

  std::vector<Param*> params();
  std::vector<const Param*> params() const;
  int64_t count_params() const;
  int64_t count_trainable_params() const;

  // Whether a following activation layer computing `fn` may run fused into this
  // layer's plan (Conv2D and Dense without an activation of their own: any but
  // linear and softmax; BatchNormalization: relu and relu6).
  virtual bool accepts_fused_activation(ActivationFn fn) const {
    (void)fn;
    return false;
  }

  // The oneDNN execution plan for one batch size and phase (the library's own
  // layers). By default, the layer's make_plain_plan() run on plain buffers.
  virtual std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx);
  // Layers written outside the library implement this instead of make_plan:
  // their computation on plain buffers (petal/layers/plain_plan.h), for batches
  // of `batch` in the training or inference phase.
  virtual std::unique_ptr<PlainPlan> make_plain_plan(int64_t batch, bool training);

  // "Conv2D(name='conv2d_1')", the prefix of every error message about this layer.
  std::string where() const;

  // Internal (functional API): whether a model has taken ownership of this
  // layer's initial weights and auto-given name (see Model's constructor).
  bool owned_by_model() const { return owned_by_model_; }
  void set_owned_by_model() { owned_by_model_ = true; }
  bool auto_named() const { return auto_named_; }
  void set_auto_name(std::string name) { name_ = std::move(name), auto_named_ = true; }

 protected:
  Layer(std::string name, Shape declared_input_shape);
  // Single-input layers implement this one.
  virtual Shape do_build(const Shape& input_shape, Rng& rng);
  // Layers with several inputs implement this one; by default it requires
  // exactly one input and calls do_build(input_shape, rng).
  virtual Shape do_build_inputs(const std::vector<Shape>& input_shapes, Rng& rng);
  Param& add_param(std::string name, Tensor value, bool trainable, float l2 = 0.0f);
  // Throws ShapeError: "<where>: expected <expected>; received <received>."
  [[noreturn]] void fail(const std::string& expected, const std::string& received) const;

 private:
  std::string name_;
  Shape declared_input_shape_;
  std::vector<Shape> input_shapes_;
  Shape output_shape_;
  bool built_ = false;
  bool owned_by_model_ = false;
  bool auto_named_ = false;
  std::deque<Param> params_;  // deque: stable addresses for optimizers
};

enum class Padding { Valid, Same };
Padding padding_from_string(const std::string& name);
std::string to_string(Padding p);

}  // namespace petal
