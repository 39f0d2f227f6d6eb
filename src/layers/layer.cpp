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

namespace {

std::string shapes_string(const std::vector<Shape>& shapes) {
  if (shapes.size() == 1) return to_keras_string(shapes[0]);
  std::string s = "[";
  for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + to_keras_string(shapes[i]);
  return s + "]";
}

}  // namespace

Shape Layer::build_inputs(const std::vector<Shape>& input_shapes, Rng& rng) {
  if (built_) {
    if (input_shapes != input_shapes_) {
      fail("input shape " + shapes_string(input_shapes_) + " (the layer is already built for it)",
           shapes_string(input_shapes));
    }
    return output_shape_;
  }
  if (input_shapes.empty()) fail("at least one input", "none");
  for (const Shape& s : input_shapes) {
    for (int64_t d : s) {
      if (d <= 0) fail("positive input dimensions", shapes_string(input_shapes));
    }
  }
  output_shape_ = do_build_inputs(input_shapes, rng);
  input_shapes_ = input_shapes;
  built_ = true;
  return output_shape_;
}

void Layer::reinitialize(Rng& rng) {
  if (!built_) return;
  params_.clear();
  do_build_inputs(input_shapes_, rng);
}

const Shape& Layer::input_shape() const {
  static const Shape none;
  return input_shapes_.empty() ? none : input_shapes_[0];
}

Shape Layer::do_build(const Shape&, Rng&) {
  throw Error("internal: " + where() + " implements neither do_build nor do_build_inputs.");
}

Shape Layer::do_build_inputs(const std::vector<Shape>& input_shapes, Rng& rng) {
  if (input_shapes.size() != 1) {
    fail("one input", std::to_string(input_shapes.size()) + " inputs " + shapes_string(input_shapes));
  }
  return do_build(input_shapes[0], rng);
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
