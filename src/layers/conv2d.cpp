// Conv2D: options, shape inference and parameters (the oneDNN plan is in conv2d_plan.cpp).
#include "petal/layers/conv2d.h"

#include <nlohmann/json.hpp>

#include "layers/config_json.h"
#include "petal/core/error.h"
#include "petal/layers/activations.h"
#include "petal/layers/initializers.h"

namespace petal {

AxisGeometry axis_geometry(int64_t in, int64_t kernel, int64_t stride, Padding padding) {
  if (padding == Padding::Valid) return {in >= kernel ? (in - kernel) / stride + 1 : 0, 0, 0};
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + kernel - in, 0);
  return {out, total / 2, total - total / 2};
}

Conv2D::Conv2D(Conv2DOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = "Conv2D(name='" + options_.name + "')";
  if (options_.filters <= 0) {
    throw ConfigError(w + ": expected filters > 0; received " + std::to_string(options_.filters) + ".");
  }
  for (int i = 0; i < 2; ++i) {
    if (options_.kernel_size[i] <= 0 || options_.strides[i] <= 0) {
      throw ConfigError(w + ": expected positive kernel_size and strides; received kernel_size (" +
                        std::to_string(options_.kernel_size[0]) + ", " + std::to_string(options_.kernel_size[1]) +
                        "), strides (" + std::to_string(options_.strides[0]) + ", " +
                        std::to_string(options_.strides[1]) + ").");
    }
  }
  if (options_.kernel_l2 < 0) throw ConfigError(w + ": expected kernel_l2 >= 0.");
  activation_from_string(options_.activation);
  initializer_from_string(options_.kernel_initializer);
  initializer_from_string(options_.bias_initializer);
}

std::array<int64_t, 4> Conv2D::pads() const {
  const Shape& in = input_shape();
  const AxisGeometry h = axis_geometry(in[0], options_.kernel_size[0], options_.strides[0], options_.padding);
  const AxisGeometry w = axis_geometry(in[1], options_.kernel_size[1], options_.strides[1], options_.padding);
  return {h.pad_before, w.pad_before, h.pad_after, w.pad_after};
}

Shape Conv2D::do_build(const Shape& in, Rng& rng) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  const AxisGeometry h = axis_geometry(in[0], options_.kernel_size[0], options_.strides[0], options_.padding);
  const AxisGeometry w = axis_geometry(in[1], options_.kernel_size[1], options_.strides[1], options_.padding);
  if (h.out <= 0 || w.out <= 0) {
    fail("input at least as large as the kernel (" + std::to_string(options_.kernel_size[0]) + "x" +
             std::to_string(options_.kernel_size[1]) + ") with padding='valid'",
         to_keras_string(in));
  }
  const Shape kshape{options_.kernel_size[0], options_.kernel_size[1], in[2], options_.filters};
  add_param("kernel", initialize(initializer_from_string(options_.kernel_initializer), kshape, rng), true,
            options_.kernel_l2);
  if (options_.use_bias) {
    add_param("bias", initialize(initializer_from_string(options_.bias_initializer), {options_.filters}, rng), true);
  }
  return {h.out, w.out, options_.filters};
}

std::string Conv2D::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["filters"] = options_.filters;
  j["kernel_size"] = options_.kernel_size;
  j["strides"] = options_.strides;
  j["padding"] = to_string(options_.padding);
  j["activation"] = options_.activation;
  j["use_bias"] = options_.use_bias;
  j["kernel_initializer"] = options_.kernel_initializer;
  j["bias_initializer"] = options_.bias_initializer;
  j["kernel_l2"] = options_.kernel_l2;
  return j.dump();
}

}  // namespace petal
