// ResNet blocks with keras.applications' layer names (conv2_block1_1_conv, ...).
#include "models/resnet_blocks.h"

#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/merge.h"

namespace petal::detail {

namespace {

KerasTensor relu(const KerasTensor& x, const std::string& name) {
  return Activation(ActivationOptions{.activation = "relu", .name = name})(x);
}

}  // namespace

KerasTensor conv_bn(const KerasTensor& x, int64_t filters, int64_t kernel, int64_t stride, const std::string& name,
                    const ResNetStyle& style, bool with_relu) {
  KerasTensor y = Conv2D({.filters = filters,
                          .kernel_size = {kernel, kernel},
                          .strides = {stride, stride},
                          .padding = kernel == 1 ? Padding::Valid : Padding::Same,
                          .kernel_initializer = style.initializer,
                          .kernel_l2 = style.l2,
                          .name = name + "_conv"})(x);
  y = BatchNormalization({.momentum = style.momentum, .epsilon = style.epsilon, .name = name + "_bn"})(y);
  return with_relu ? relu(y, name + "_relu") : y;
}

KerasTensor basic_block(const KerasTensor& x, int64_t filters, int64_t stride, const std::string& name,
                        const ResNetStyle& style) {
  KerasTensor shortcut = x;
  if (stride != 1 || x.shape().back() != filters) {
    if (style.shortcut_bn) {
      shortcut = conv_bn(x, filters, 1, stride, name + "_0", style, false);
    } else {
      shortcut = Conv2D({.filters = filters,
                         .kernel_size = {1, 1},
                         .strides = {stride, stride},
                         .kernel_initializer = style.initializer,
                         .kernel_l2 = style.l2,
                         .name = name + "_0_conv"})(x);
    }
  }
  KerasTensor y = conv_bn(x, filters, 3, stride, name + "_1", style, true);
  y = conv_bn(y, filters, 3, 1, name + "_2", style, false);
  y = Add({.name = name + "_add"})({shortcut, y});
  return relu(y, name + "_out");
}

KerasTensor bottleneck_block(const KerasTensor& x, int64_t filters, int64_t stride, bool projection,
                             const std::string& name, const ResNetStyle& style) {
  const KerasTensor shortcut = projection ? conv_bn(x, 4 * filters, 1, stride, name + "_0", style, false) : x;
  KerasTensor y = conv_bn(x, filters, 1, stride, name + "_1", style, true);
  y = conv_bn(y, filters, 3, 1, name + "_2", style, true);
  y = conv_bn(y, 4 * filters, 1, 1, name + "_3", style, false);
  y = Add({.name = name + "_add"})({shortcut, y});
  return relu(y, name + "_out");
}

}  // namespace petal::detail
