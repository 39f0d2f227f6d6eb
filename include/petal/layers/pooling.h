// Pooling layers: MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D and
// GlobalMaxPooling2D (NHWC).
#pragma once

#include <array>
#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct Pooling2DOptions {
  std::array<int64_t, 2> pool_size{2, 2};
  std::array<int64_t, 2> strides{0, 0};  // {0, 0} = pool_size, as Keras's strides=None
  Padding padding = Padding::Valid;
  Shape input_shape = {};
  std::string name = {};
};

class Pooling2D : public Layer {
 public:
  const Pooling2DOptions& options() const { return options_; }
  std::array<int64_t, 2> strides() const;
  std::array<int64_t, 4> pads() const;  // top, left, bottom, right
  bool is_max() const { return max_; }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;

 protected:
  Pooling2D(Pooling2DOptions options, bool max);
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  Pooling2DOptions options_;
  bool max_;
};

class MaxPooling2D : public Pooling2D {
 public:
  explicit MaxPooling2D(Pooling2DOptions options = {}) : Pooling2D(std::move(options), true) {}
  std::string type() const override { return "MaxPooling2D"; }
  std::string name_prefix() const override { return "max_pooling2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<MaxPooling2D>(std::move(*this)); }
};

// 'same' padding averages over the valid (unpadded) inputs only, as TensorFlow.
class AveragePooling2D : public Pooling2D {
 public:
  explicit AveragePooling2D(Pooling2DOptions options = {}) : Pooling2D(std::move(options), false) {}
  std::string type() const override { return "AveragePooling2D"; }
  std::string name_prefix() const override { return "average_pooling2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<AveragePooling2D>(std::move(*this)); }
};

struct GlobalAveragePooling2DOptions {
  Shape input_shape = {};
  std::string name = {};
};

// Mean over H and W: [N, H, W, C] -> [N, C].
class GlobalAveragePooling2D : public Layer {
 public:
  explicit GlobalAveragePooling2D(GlobalAveragePooling2DOptions options = {});
  std::string type() const override { return "GlobalAveragePooling2D"; }
  std::string name_prefix() const override { return "global_average_pooling2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<GlobalAveragePooling2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;
};

struct GlobalMaxPooling2DOptions {
  std::string data_format = "channels_last";  // NHWC only
  Shape input_shape = {};
  std::string name = {};
};

// Maximum over H and W: [N, H, W, C] -> [N, C]. The gradient goes to the
// argmax; among equal maxima to the first in row-major (H, then W) order, where
// Keras (tf.reduce_max's gradient) splits it equally between them.
class GlobalMaxPooling2D : public Layer {
 public:
  explicit GlobalMaxPooling2D(GlobalMaxPooling2DOptions options = {});
  std::string type() const override { return "GlobalMaxPooling2D"; }
  std::string name_prefix() const override { return "global_max_pooling2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<GlobalMaxPooling2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  GlobalMaxPooling2DOptions options_;
};

}  // namespace petal
