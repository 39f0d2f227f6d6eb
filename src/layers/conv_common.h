// Option checks and spatial geometry shared by the convolution layers (Conv2D,
// DepthwiseConv2D, SeparableConv2D, Conv2DTranspose); messages name the layer.
#pragma once

#include <array>
#include <initializer_list>
#include <string>

#include "petal/layers/conv2d.h"

namespace petal::detail {

using Pair = std::array<int64_t, 2>;

// "(3, 3)", as Keras prints a tuple.
std::string pair_string(const Pair& v);
// ConfigError "<where>: expected positive <what>; received (a, b)." unless both > 0.
void require_positive(const std::string& where, const std::string& what, const Pair& v);
// ConfigError unless data_format is "channels_last" (petal is NHWC only).
void require_channels_last(const std::string& where, const std::string& data_format);
// Keras (TensorFlow's convolution ops): strides > 1 together with dilation_rate > 1 is an error.
void require_unit_strides_if_dilated(const std::string& where, const Pair& strides, const Pair& dilation);
// Activation and initializer names known; errors carry the layer's name.
void require_known_names(const std::string& where, const std::string& activation,
                         std::initializer_list<std::string> initializers);

// Output size and TensorFlow padding of a (dilated) convolution or pooling window.
struct ConvGeometry {
  AxisGeometry h, w;
};
ConvGeometry conv_geometry(const Shape& in, const Pair& kernel, const Pair& strides, const Pair& dilation,
                           Padding padding);
// {top, left, bottom, right}
std::array<int64_t, 4> pads_of(const ConvGeometry& g);

}  // namespace petal::detail
