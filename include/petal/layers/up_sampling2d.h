// UpSampling2D: repeats rows and columns by integer factors (nearest) or
// interpolates bilinearly, over NHWC inputs, with Keras's arguments.
#pragma once

#include <array>
#include <string>

#include "petal/layers/layer.h"

namespace petal {

struct UpSampling2DOptions {
  std::array<int64_t, 2> size{2, 2};
  std::string data_format = "channels_last";  // NHWC only
  std::string interpolation = "nearest";      // or "bilinear"
  Shape input_shape = {};
  std::string name = {};
};

// [N, H, W, C] -> [N, H * size[0], W * size[1], C].
// nearest: out[i] = in[floor(i / size)].
// bilinear: tf.keras 2.x's rule (TensorFlow 2's tf.image.resize, half-pixel
// centres): out[i] interpolates the input at (i + 0.5) / size - 0.5, clamped to
// [0, in - 1]; torch.nn.functional.interpolate(mode='bilinear', align_corners=False).
// Keras 2.2.4 on TensorFlow 1 (tf.image.resize_bilinear without half-pixel
// centres) sampled at i / size instead: petal does not reproduce that rule.
class UpSampling2D : public Layer {
 public:
  explicit UpSampling2D(UpSampling2DOptions options = {});
  std::string type() const override { return "UpSampling2D"; }
  std::string name_prefix() const override { return "up_sampling2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<UpSampling2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const UpSampling2DOptions& options() const { return options_; }
  bool bilinear() const { return options_.interpolation == "bilinear"; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  UpSampling2DOptions options_;
};

}  // namespace petal
