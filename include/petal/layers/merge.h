// Merge layers (Keras's keras.layers.merge): elementwise Add, Subtract,
// Multiply, Average, Maximum, Minimum over inputs of one shape, and
// Concatenate along an axis. Called on a list of tensors: Add()({x, y}).
#pragma once

#include <string>
#include <vector>

#include "petal/layers/layer.h"

namespace petal {

enum class MergeOp { Add, Subtract, Multiply, Average, Maximum, Minimum };

struct MergeOptions {
  std::string name = {};
};

// One elementwise merge (the Keras class is the op's name). Unlike Keras, the
// inputs must have exactly one shape (no broadcasting).
class Merge : public Layer {
 public:
  Merge(MergeOp op, MergeOptions options);
  std::string type() const override;
  std::string name_prefix() const override;
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Merge>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  bool takes_multiple_inputs() const override { return true; }
  // Add takes a following relu or relu6 (a residual block's activation).
  bool accepts_fused_activation(ActivationFn fn) const override {
    return op_ == MergeOp::Add && is_clamp(fn);
  }
  MergeOp op() const { return op_; }

 protected:
  Shape do_build_inputs(const std::vector<Shape>& input_shapes, Rng& rng) override;

 private:
  MergeOp op_;
};

inline Merge Add(MergeOptions options = {}) { return Merge(MergeOp::Add, std::move(options)); }
// Exactly two inputs: x0 - x1.
inline Merge Subtract(MergeOptions options = {}) { return Merge(MergeOp::Subtract, std::move(options)); }
inline Merge Multiply(MergeOptions options = {}) { return Merge(MergeOp::Multiply, std::move(options)); }
inline Merge Average(MergeOptions options = {}) { return Merge(MergeOp::Average, std::move(options)); }
// Gradients go to the first input holding the maximum (minimum) of each position.
inline Merge Maximum(MergeOptions options = {}) { return Merge(MergeOp::Maximum, std::move(options)); }
inline Merge Minimum(MergeOptions options = {}) { return Merge(MergeOp::Minimum, std::move(options)); }

struct ConcatenateOptions {
  int axis = -1;  // Keras's axis over [N, ...]: -1 (channels) by default; 0 (the batch) is refused
  std::string name = {};
};

class Concatenate : public Layer {
 public:
  explicit Concatenate(ConcatenateOptions options = {});
  std::string type() const override { return "Concatenate"; }
  std::string name_prefix() const override { return "concatenate"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Concatenate>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  bool takes_multiple_inputs() const override { return true; }
  // The axis within the per-sample shape (0-based, without batch).
  int sample_axis() const { return sample_axis_; }
  const ConcatenateOptions& options() const { return options_; }

 protected:
  Shape do_build_inputs(const std::vector<Shape>& input_shapes, Rng& rng) override;

 private:
  ConcatenateOptions options_;
  int sample_axis_ = -1;
};

}  // namespace petal
