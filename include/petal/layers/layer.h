// The layer contract shared by every layer: lazy build(input_shape), named
// parameters, and a oneDNN execution plan created per batch shape (in src/).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "petal/core/rng.h"
#include "petal/core/shape.h"
#include "petal/core/tensor.h"

namespace petal {

namespace detail {
class LayerPlan;
struct PlanContext;
}  // namespace detail

// A named weight with its gradient. Buffers that are state but not trained
// (batch-norm moving statistics) are Params with trainable = false and no grad.
struct Param {
  std::string name;  // Keras weight name: kernel, bias, gamma, beta, moving_mean, ...
  Tensor value;      // Keras shape and layout, e.g. Conv2D kernel [kh, kw, in, out]
  Tensor grad;       // same shape as value; empty when !trainable
  bool trainable = true;
  float l2 = 0.0f;   // L2 penalty factor: loss += l2 * sum(value^2)
};

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
  void set_name(std::string name) { name_ = std::move(name); }
  // Input shape without batch given in the options (empty if none).
  const Shape& declared_input_shape() const { return declared_input_shape_; }

  // Creates parameters for inputs of `input_shape` (without batch) and returns
  // the output shape. Throws ShapeError naming the layer on incompatible input.
  Shape build(const Shape& input_shape, Rng& rng);
  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }

  std::vector<Param*> params();
  std::vector<const Param*> params() const;
  int64_t count_params() const;
  int64_t count_trainable_params() const;

  // Internal: the oneDNN execution plan for one batch size and phase.
  virtual std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) = 0;

  // "Conv2D(name='conv2d_1')", the prefix of every error message about this layer.
  std::string where() const;

 protected:
  Layer(std::string name, Shape declared_input_shape);
  virtual Shape do_build(const Shape& input_shape, Rng& rng) = 0;
  Param& add_param(std::string name, Tensor value, bool trainable, float l2 = 0.0f);
  // Throws ShapeError: "<where>: expected <expected>; received <received>."
  [[noreturn]] void fail(const std::string& expected, const std::string& received) const;

 private:
  std::string name_;
  Shape declared_input_shape_;
  Shape input_shape_;
  Shape output_shape_;
  bool built_ = false;
  std::deque<Param> params_;  // deque: stable addresses for optimizers
};

enum class Padding { Valid, Same };
Padding padding_from_string(const std::string& name);
std::string to_string(Padding p);

}  // namespace petal
