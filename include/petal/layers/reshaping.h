// Reshape and Permute: exact about Keras's row-major NHWC element order, whatever
// layout the previous layer's primitive chose.
#pragma once

#include <string>
#include <vector>

#include "petal/layers/layer.h"

namespace petal {

struct ReshapeOptions {
  Shape target_shape = {};  // per sample; one entry may be -1 (inferred)
  Shape input_shape = {};
  std::string name = {};
};

// Reinterprets each sample's elements, in row-major (H, W, C) order, as
// target_shape (rank 1 to 3).
class Reshape : public Layer {
 public:
  explicit Reshape(ReshapeOptions options);
  std::string type() const override { return "Reshape"; }
  std::string name_prefix() const override { return "reshape"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Reshape>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const ReshapeOptions& options() const { return options_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  ReshapeOptions options_;
};

struct PermuteOptions {
  std::vector<int> dims = {};  // 1-based: output axis i is input axis dims[i - 1]
  Shape input_shape = {};
  std::string name = {};
};

// Permutes the per-sample axes: Permute({.dims = {2, 1}}) swaps (T, C) to (C, T).
class Permute : public Layer {
 public:
  explicit Permute(PermuteOptions options);
  std::string type() const override { return "Permute"; }
  std::string name_prefix() const override { return "permute"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Permute>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const PermuteOptions& options() const { return options_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  PermuteOptions options_;
};

}  // namespace petal
