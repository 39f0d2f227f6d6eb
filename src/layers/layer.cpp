// Layer base: build bookkeeping, parameter registry, error helpers.
#include "petal/layers/layer.h"

#include "nn/layer_plan.h"
#include "nn/param_layout.h"
#include "petal/core/error.h"

namespace petal {

Layer::Layer(std::string name, Shape declared_input_shape)
    : name_(std::move(name)), declared_input_shape_(std::move(declared_input_shape)) {}
Layer::~Layer() = default;
Layer::Layer(Layer&&) noexcept = default;
Layer& Layer::operator=(Layer&&) noexcept = default;

Shape Layer::build(const Shape& input_shape, Rng& rng) {
  if (built_) {
    if (input_shape != input_shape_) {
      fail("input shape " + to_keras_string(input_shape_) + " (already built)",
           to_keras_string(input_shape));
    }
    return output_shape_;
  }
  for (int64_t d : input_shape) {
    if (d <= 0) fail("positive input dimensions", to_keras_string(input_shape));
  }
  output_shape_ = do_build(input_shape, rng);
  input_shape_ = input_shape;
  built_ = true;
  return output_shape_;
}

std::vector<Param*> Layer::params() {
  std::vector<Param*> out;
  for (Param& p : params_) out.push_back(&p);
  return out;
}

std::vector<const Param*> Layer::params() const {
  std::vector<const Param*> out;
  for (const Param& p : params_) out.push_back(&p);
  return out;
}

int64_t Layer::count_params() const {
  int64_t n = 0;
  for (const Param& p : params_) n += num_elements(p.keras_shape);
  return n;
}

int64_t Layer::count_trainable_params() const {
  int64_t n = 0;
  for (const Param& p : params_) n += p.trainable ? num_elements(p.keras_shape) : 0;
  return n;
}

std::string Layer::where() const { return type() + "(name='" + name_ + "')"; }

Param& Layer::add_param(std::string name, Tensor value, bool trainable, float l2) {
  Param p;
  p.name = std::move(name);
  if (trainable) p.grad = Tensor(value.shape());
  p.keras_shape = value.shape();
  p.value = std::move(value);
  p.trainable = trainable;
  p.l2 = l2;
  params_.push_back(std::move(p));
  return params_.back();
}

void Layer::fail(const std::string& expected, const std::string& received) const {
  throw ShapeError(where() + ": expected " + expected + "; received " + received + ".");
}

Tensor to_keras_layout(const Param& p, const Tensor& stored) {
  if (!p.layout) return stored;
  return p.layout->to_keras(stored, p.keras_shape);
}

Tensor from_keras_layout(const Param& p, const Tensor& keras) {
  if (keras.shape() != p.keras_shape) {
    throw ShapeError("weight '" + p.name + "': expected shape " + to_string(p.keras_shape) + "; received " +
                     to_string(keras.shape()) + ".");
  }
  if (!p.layout) return keras;
  return p.layout->to_storage(keras);
}

Tensor keras_value(const Param& p) { return to_keras_layout(p, p.value); }

void assign_keras_value(Param& p, const Tensor& keras) {
  if (!p.layout) {
    from_keras_layout(p, keras);  // shape check
    p.value = keras;              // same size: reuses the storage
    return;
  }
  p.value = from_keras_layout(p, keras);
}

Padding padding_from_string(const std::string& name) {
  if (name == "valid") return Padding::Valid;
  if (name == "same") return Padding::Same;
  throw ConfigError("unknown padding '" + name + "'; expected 'valid' or 'same'.");
}

std::string to_string(Padding p) { return p == Padding::Same ? "same" : "valid"; }

}  // namespace petal
