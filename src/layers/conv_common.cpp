// Option checks and spatial geometry shared by the convolution layers.
#include "layers/conv_common.h"

#include "petal/core/error.h"
#include "petal/layers/activations.h"
#include "petal/layers/initializers.h"

namespace petal::detail {

std::string pair_string(const Pair& v) { return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ")"; }

void require_positive(const std::string& where, const std::string& what, const Pair& v) {
  if (v[0] <= 0 || v[1] <= 0) {
    throw ConfigError(where + ": expected positive " + what + "; received " + pair_string(v) + ".");
  }
}

void require_channels_last(const std::string& where, const std::string& data_format) {
  if (data_format != "channels_last") {
    throw ConfigError(where + ": expected data_format 'channels_last'; received '" + data_format +
                      "'.\nHint: petal keeps images as [N, H, W, C]; transpose channels-first data before training.");
  }
}

void require_unit_strides_if_dilated(const std::string& where, const Pair& strides, const Pair& dilation) {
  const bool strided = strides[0] > 1 || strides[1] > 1;
  const bool dilated = dilation[0] > 1 || dilation[1] > 1;
  if (strided && dilated) {
    throw ConfigError(where + ": expected strides (1, 1) when dilation_rate > 1 (Keras's rule); received strides " +
                      pair_string(strides) + " with dilation_rate " + pair_string(dilation) + ".");
  }
}

void require_known_names(const std::string& where, const std::string& activation,
                         std::initializer_list<std::string> initializers) {
  try {
    activation_from_string(activation);
    for (const std::string& init : initializers) initializer_from_string(init);
  } catch (const ConfigError& e) {
    throw ConfigError(where + ": " + e.what());
  }
}

ConvGeometry conv_geometry(const Shape& in, const Pair& kernel, const Pair& strides, const Pair& dilation,
                           Padding padding) {
  return {axis_geometry(in[0], dilated_extent(kernel[0], dilation[0]), strides[0], padding),
          axis_geometry(in[1], dilated_extent(kernel[1], dilation[1]), strides[1], padding)};
}

std::array<int64_t, 4> pads_of(const ConvGeometry& g) {
  return {g.h.pad_before, g.w.pad_before, g.h.pad_after, g.w.pad_after};
}

}  // namespace petal::detail
