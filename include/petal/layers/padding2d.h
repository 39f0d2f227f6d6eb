// ZeroPadding2D and Cropping2D: add zero rows/columns at the borders of NHWC
// images, or remove them, with Keras's argument forms.
#pragma once

#include <array>
#include <string>

#include "petal/layers/layer.h"

namespace petal {

// Keras's padding/cropping argument: an int (every side), a pair (rows, columns:
// symmetric) or ((top, bottom), (left, right)).
struct Sides2D {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  Sides2D() = default;
  Sides2D(int64_t all) : Sides2D(all, all) {}  // NOLINT(google-explicit-constructor): Keras's int form
  Sides2D(int64_t rows, int64_t cols) : top(rows), bottom(rows), left(cols), right(cols) {}
  Sides2D(std::array<int64_t, 2> rows, std::array<int64_t, 2> cols)
      : top(rows[0]), bottom(rows[1]), left(cols[0]), right(cols[1]) {}
  bool operator==(const Sides2D&) const = default;
};

struct ZeroPadding2DOptions {
  Sides2D padding{1, 1};
  std::string data_format = "channels_last";  // NHWC only
  Shape input_shape = {};
  std::string name = {};
};

// [N, H, W, C] -> [N, top + H + bottom, left + W + right, C], zeros at the borders.
class ZeroPadding2D : public Layer {
 public:
  explicit ZeroPadding2D(ZeroPadding2DOptions options = {});
  std::string type() const override { return "ZeroPadding2D"; }
  std::string name_prefix() const override { return "zero_padding2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<ZeroPadding2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const ZeroPadding2DOptions& options() const { return options_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  ZeroPadding2DOptions options_;
};

struct Cropping2DOptions {
  Sides2D cropping{0, 0};
  std::string data_format = "channels_last";  // NHWC only
  Shape input_shape = {};
  std::string name = {};
};

// [N, H, W, C] -> [N, H - top - bottom, W - left - right, C].
class Cropping2D : public Layer {
 public:
  explicit Cropping2D(Cropping2DOptions options = {});
  std::string type() const override { return "Cropping2D"; }
  std::string name_prefix() const override { return "cropping2d"; }
  std::shared_ptr<Layer> into_shared() && override { return std::make_shared<Cropping2D>(std::move(*this)); }
  std::string config_json() const override;
  std::unique_ptr<detail::LayerPlan> make_plan(const detail::PlanContext& ctx) override;
  const Cropping2DOptions& options() const { return options_; }

 protected:
  Shape do_build(const Shape& input_shape, Rng& rng) override;

 private:
  Cropping2DOptions options_;
};

}  // namespace petal
