// Conv2DTranspose: options, Keras's output-size rule, parameters and model-file
// config (the oneDNN deconvolution plan is in conv2d_transpose_plan.cpp).
#include "petal/layers/conv2d_transpose.h"

#include <nlohmann/json.hpp>

#include "layers/config_json.h"
#include "layers/conv_common.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"
#include "petal/layers/initializers.h"

namespace petal {

namespace {

struct DeconvAxis {
  int64_t out = 0, crop_before = 0, crop_after = 0;
  bool tf_accepts = false;  // a Conv2D from `out` back to `in` exists with this padding
};

// Keras's conv_utils.deconv_output_length, then TensorFlow's padding of the
// forward convolution from that length (K: dilated kernel extent).
DeconvAxis deconv_axis(int64_t in, int64_t k, int64_t s, int64_t d, Padding padding, std::optional<int64_t> op) {
  const int64_t extent = dilated_extent(k, d);
  DeconvAxis a;
  if (!op) {
    a.out = padding == Padding::Valid ? in * s + std::max<int64_t>(extent - s, 0) : in * s;
  } else {
    const int64_t pad = padding == Padding::Valid ? 0 : extent / 2;
    a.out = (in - 1) * s + extent - 2 * pad + *op;
  }
  const AxisGeometry fwd = axis_geometry(a.out, extent, s, padding);
  a.tf_accepts = a.out > 0 && fwd.out == in;
  a.crop_before = fwd.pad_before;
  a.crop_after = (in - 1) * s + extent - a.out - a.crop_before;
  return a;
}

}  // namespace

Conv2DTranspose::Conv2DTranspose(Conv2DTransposeOptions options)
    : Layer(options.name, options.input_shape), options_(std::move(options)) {
  const std::string w = where();
  const auto& o = options_;
  if (o.filters <= 0) throw ConfigError(w + ": expected filters > 0; received " + std::to_string(o.filters) + ".");
  detail::require_positive(w, "kernel_size", o.kernel_size);
  detail::require_positive(w, "strides", o.strides);
  detail::require_positive(w, "dilation_rate", o.dilation_rate);
  detail::require_unit_strides_if_dilated(w, o.strides, o.dilation_rate);
  detail::require_channels_last(w, o.data_format);
  if (o.output_padding) {
    const auto& p = *o.output_padding;
    if (p[0] < 0 || p[1] < 0 || p[0] >= o.strides[0] || p[1] >= o.strides[1]) {
      throw ConfigError(w + ": expected output_padding >= 0 and smaller than strides " +
                        detail::pair_string(o.strides) + " (Keras's rule); received output_padding " +
                        detail::pair_string(p) + ".");
    }
  }
  detail::require_known_names(w, o.activation, {o.kernel_initializer, o.bias_initializer});
}

std::array<int64_t, 4> Conv2DTranspose::pads() const {
  const auto& o = options_;
  const Shape& in = input_shape();
  std::array<int64_t, 4> p{};
  for (int i = 0; i < 2; ++i) {
    const std::optional<int64_t> op = o.output_padding ? std::optional<int64_t>((*o.output_padding)[i]) : std::nullopt;
    const DeconvAxis a = deconv_axis(in[i], o.kernel_size[i], o.strides[i], o.dilation_rate[i], o.padding, op);
    p[i] = a.crop_before;
    p[i + 2] = a.crop_after;
  }
  return p;
}

Shape Conv2DTranspose::do_build(const Shape& in, Rng& rng) {
  if (in.size() != 3) fail("3-D input per sample (H, W, C), i.e. batches [N, H, W, C]", to_keras_string(in));
  const auto& o = options_;
  Shape out{0, 0, o.filters};
  for (int i = 0; i < 2; ++i) {
    const std::optional<int64_t> op = o.output_padding ? std::optional<int64_t>((*o.output_padding)[i]) : std::nullopt;
    const DeconvAxis a = deconv_axis(in[i], o.kernel_size[i], o.strides[i], o.dilation_rate[i], o.padding, op);
    if (!a.tf_accepts) {
      fail("an input size for which TensorFlow's conv2d_transpose accepts the output size " + std::to_string(a.out) +
               " (axis " + std::to_string(i) + ": a Conv2D with this kernel, strides and padding must map it back to " +
               std::to_string(in[i]) + ")",
           to_keras_string(in) + "\nHint: with padding='same' and an even kernel, set output_padding to at least 1");
    }
    out[static_cast<size_t>(i)] = a.out;
  }
  const Shape kshape{o.kernel_size[0], o.kernel_size[1], o.filters, in[2]};
  add_param("kernel", initialize(initializer_from_string(o.kernel_initializer), kshape, rng), true);
  if (o.use_bias) add_param("bias", initialize(initializer_from_string(o.bias_initializer), {o.filters}, rng), true);
  return out;
}

std::string Conv2DTranspose::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["filters"] = options_.filters;
  j["kernel_size"] = options_.kernel_size;
  j["strides"] = options_.strides;
  j["padding"] = to_string(options_.padding);
  j["output_padding"] = options_.output_padding ? nlohmann::json(*options_.output_padding) : nlohmann::json(nullptr);
  j["data_format"] = options_.data_format;
  j["dilation_rate"] = options_.dilation_rate;
  j["activation"] = options_.activation;
  j["use_bias"] = options_.use_bias;
  j["kernel_initializer"] = options_.kernel_initializer;
  j["bias_initializer"] = options_.bias_initializer;
  return j.dump();
}

std::unique_ptr<Layer> detail::conv2d_transpose_from_config(const nlohmann::json& j) {
  Conv2DTransposeOptions o;
  o.filters = j.at("filters").get<int64_t>();
  o.kernel_size = j.at("kernel_size").get<Pair>();
  o.strides = j.value("strides", o.strides);
  o.padding = padding_from_string(j.value("padding", std::string("valid")));
  if (j.contains("output_padding") && !j["output_padding"].is_null()) {
    o.output_padding = j["output_padding"].get<Pair>();
  }
  o.data_format = j.value("data_format", o.data_format);
  o.dilation_rate = j.value("dilation_rate", o.dilation_rate);
  o.activation = j.value("activation", o.activation);
  o.use_bias = j.value("use_bias", o.use_bias);
  o.kernel_initializer = j.value("kernel_initializer", o.kernel_initializer);
  o.bias_initializer = j.value("bias_initializer", o.bias_initializer);
  o.input_shape = input_shape_from_config(j);
  o.name = j.at("name").get<std::string>();
  return std::make_unique<Conv2DTranspose>(std::move(o));
}

}  // namespace petal
