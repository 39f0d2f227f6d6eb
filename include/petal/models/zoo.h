// Built-in models: the tutorial's Sequential networks (MiniVGGNet exactly as the
// Flowers-17 tutorial builds it, ShallowNet, LeNet), VGG-BN, and functional
// ResNets and MobileNetV2 with keras.applications' layer names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "petal/model/sequential.h"

namespace petal {

struct ZooOptions {
  int64_t height = 64, width = 64, depth = 3;
  int64_t classes = 17;
  uint64_t seed = 0;
  bool dropout = true;  // false builds the same network with every Dropout rate 0
  // kernel_regularizer=l2(l2) on every Conv2D and Dense kernel of vgg_bn, the
  // ResNets and mobilenet_v2 (0 = none, as keras.applications; the CIFAR
  // example's resnet_v1 uses 1e-4 on its Conv2D kernels). The tutorial's
  // networks have no regularizer and ignore it.
  float l2 = 0.0f;
  // Momentum of every BatchNormalization layer's moving statistics. Unset: the
  // Keras value for that network (0.99, Keras's default; MobileNetV2 0.999).
  // PyTorch's default momentum 0.1 corresponds to 0.9 here.
  std::optional<float> bn_momentum = std::nullopt;
  // MobileNetV2's width multiplier (Keras's alpha); the other models ignore it.
  double alpha = 1.0;
};

// MiniVGGNet (PyImageSearch): 2x(CONV=>RELU=>BN) => POOL => DROPOUT, twice, then
// FC(512)=>RELU=>BN=>DROPOUT(0.5) => FC(classes) => SOFTMAX.
Sequential minivggnet(const ZooOptions& options);

// ShallowNet (PyImageSearch): CONV(32, 3x3, same) => RELU => FC(classes) => SOFTMAX.
Sequential shallownet(const ZooOptions& options);

// LeNet (PyImageSearch): CONV(20, 5x5, same) => RELU => POOL(2) => CONV(50, 5x5,
// same) => RELU => POOL(2) => FC(500) => RELU => FC(classes) => SOFTMAX.
Sequential lenet(const ZooOptions& options);

// VGG-BN, petal's stronger small network (Sequential only, so no skip
// connections): four stages of two 3x3 CONV => BN => RELU (32, 64, 128, 256
// filters, he_normal, no conv bias) each followed by POOL(2), then
// GlobalAveragePooling2D => DROPOUT(0.3) => FC(classes) => SOFTMAX. About 1.2 M
// parameters; meant for 96-128 px inputs (needs height and width >= 16).
Sequential vgg_bn(const ZooOptions& options);

// ResNets v1 with Keras's ResNet50 layout and names (keras.applications.ResNet50,
// Keras 2.3+ / tf.keras): Conv2D kernels glorot_uniform with biases, BN epsilon
// 1.001e-5, then stages conv2..conv5 (64, 128, 256, 512 filters; the first block
// of conv3..conv5 has stride 2), GlobalAveragePooling2D 'avg_pool' and
// Dense(classes, softmax) 'predictions'. Layer names: conv1_conv, conv1_bn,
// conv1_relu, conv2_block1_0_conv (projection shortcut), conv2_block1_1_conv,
// ..._1_bn, ..._1_relu, ..._2_conv, ..., conv2_block1_add, conv2_block1_out.
//
// Stem, by input size:
//   min(height, width) >= 128: Keras's stem: conv1_pad ZeroPadding2D(3), conv1_conv
//     7x7 stride 2, BN, ReLU, pool1_pad ZeroPadding2D(1), pool1_pool MaxPooling2D
//     3x3 stride 2 (224 px -> 56 px at conv2).
//   below 128 px: a small-input stem (not Keras's): conv1_conv 3x3 stride 1
//     'same', conv1_bn, conv1_relu, no max-pool, so conv2 runs at full input
//     resolution (64 px -> 64, 32, 16, 8 px at conv2..conv5), as the CIFAR ResNets.
//
// resnet50: Keras's bottleneck blocks (1x1 stride s, 3x3 'same', 1x1 x4; the
// projection shortcut conv_0 1x1 stride s + BN on every stage's first block);
// 3, 4, 6, 3 blocks. 25,636,712 parameters at 224x224x3 and 1000 classes.
// resnet18 / resnet34: the same scheme with basic blocks (3x3 stride s 'same',
// 3x3 'same'), 2,2,2,2 / 3,4,6,3 blocks, projection shortcut (1x1 stride s + BN,
// He et al.'s option B) where the shape changes: first blocks of conv3..conv5.
Model resnet18(const ZooOptions& options);
Model resnet34(const ZooOptions& options);
Model resnet50(const ZooOptions& options);

// CIFAR ResNets (He et al. 2016, section 4.2) as keras-team's cifar10_resnet.py
// resnet_v1 builds them: conv 3x3 16 => BN => ReLU, then 3 stages of n basic
// blocks (16, 32, 64 filters; stride 2 on the first block of stages 2 and 3),
// projection shortcuts there (option B: a 1x1 stride-2 Conv2D without BN, as the
// example), Conv2D and Dense kernels he_normal, GlobalAveragePooling2D then
// Dense(classes, softmax). n = 3 (resnet20) or 9 (resnet56). Layer names follow
// the ResNets' scheme above (conv1_conv, conv2_block1_1_conv, ..., avg_pool,
// predictions). At 32x32 the example's AveragePooling2D(8) + Flatten is this
// GlobalAveragePooling2D; any input size works.
Model resnet20(const ZooOptions& options);
Model resnet56(const ZooOptions& options);

// MobileNetV2 (keras.applications.MobileNetV2, tf.keras 2.x) with width
// multiplier options.alpha: Conv1 3x3 stride 2 'same' => bn_Conv1 => Conv1_relu
// (ReLU 6), 17 inverted residual blocks (expanded_conv_*, block_1_* ..
// block_16_*: expand 1x1 => BN => ReLU6, ZeroPadding2D 'block_N_pad' (Keras's
// correct_pad) before each stride-2 depthwise 3x3, BN => ReLU6, project 1x1 =>
// BN, Add 'block_N_add' where shapes allow), Conv_1 1x1 => Conv_1_bn => out_relu,
// GlobalAveragePooling2D, Dense(classes, softmax) 'predictions'. Filters follow
// Keras's _make_divisible(filters * alpha, 8); Conv_1 has 1280 filters unless
// alpha > 1. No conv biases, BN epsilon 1e-3, momentum 0.999. 3,538,984
// parameters at alpha 1.0, 224x224x3 and 1000 classes. Any input size.
Model mobilenet_v2(const ZooOptions& options);

// The model names `build_model` knows.
std::vector<std::string> zoo_models();
Model build_model(const std::string& name, const ZooOptions& options);

}  // namespace petal
