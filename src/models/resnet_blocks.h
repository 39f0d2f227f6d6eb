// The ResNet building blocks shared by the ImageNet-style and CIFAR ResNets:
// Keras's block1 (bottleneck) and its basic-block counterpart, Keras's names.
#pragma once

#include <string>

#include "petal/model/keras_tensor.h"

namespace petal::detail {

// What differs between the ResNet families' blocks.
struct ResNetStyle {
  float epsilon = 1.001e-5f;  // Keras's ResNet50
  float momentum = 0.99f;
  std::string initializer = "glorot_uniform";
  float l2 = 0.0f;
  bool shortcut_bn = true;  // the CIFAR example's projection shortcut has no BN
};

// Conv2D '<name>_conv' (bias, padding 'same' unless kernel 1) => BN '<name>_bn'
// => Activation('relu') '<name>_relu' when `relu`.
KerasTensor conv_bn(const KerasTensor& x, int64_t filters, int64_t kernel, int64_t stride, const std::string& name,
                    const ResNetStyle& style, bool relu);

// Basic block: 3x3 stride s => BN => ReLU => 3x3 => BN, added to the input or
// to its projection ('<name>_0_conv' 1x1 stride s, BN) when the shape changes,
// then ReLU '<name>_out'.
KerasTensor basic_block(const KerasTensor& x, int64_t filters, int64_t stride, const std::string& name,
                        const ResNetStyle& style);

// Keras's ResNet50 block1: 1x1 stride s => BN => ReLU => 3x3 => BN => ReLU =>
// 1x1 (4 x filters) => BN, plus the shortcut (the projection '<name>_0_conv'
// 1x1 stride s + BN when `projection`), then ReLU '<name>_out'.
KerasTensor bottleneck_block(const KerasTensor& x, int64_t filters, int64_t stride, bool projection,
                             const std::string& name, const ResNetStyle& style);

}  // namespace petal::detail
