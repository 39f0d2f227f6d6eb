// Built-in models: MiniVGGNet (exactly the Flowers-17 tutorial's network, Conv ->
// ReLU -> BN ordering, see the Keras reference section 1.4), ShallowNet, LeNet and VGG-BN.
#pragma once

#include <string>
#include <vector>

#include "petal/model/sequential.h"

namespace petal {

struct ZooOptions {
  int64_t height = 64, width = 64, depth = 3;
  int64_t classes = 17;
  uint64_t seed = 0;
  bool dropout = true;  // false builds the same network with every Dropout rate 0
  // kernel_regularizer=l2(l2) on every Conv2D and Dense kernel (vgg_bn only; the
  // tutorial's networks have no regularizer and ignore it).
  float l2 = 0.0f;
  // momentum of every BatchNormalization layer's moving statistics (Keras's
  // default 0.99; PyTorch's default momentum 0.1 corresponds to 0.9 here).
  float bn_momentum = 0.99f;
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

// The model names `build_model` knows.
std::vector<std::string> zoo_models();
Model build_model(const std::string& name, const ZooOptions& options);

}  // namespace petal
