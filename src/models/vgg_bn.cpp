// VGG-BN: a VGG-style stack with batch normalisation and global average pooling,
// petal's default network for Flowers-17 (the tutorial's MiniVGGNet overfits its
// 8 M-parameter dense layer; this one has ~1.2 M parameters and no large FC).
#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"

namespace petal {

Sequential vgg_bn(const ZooOptions& o) {
  if (o.height < 16 || o.width < 16) {
    throw ConfigError("vgg_bn: expected an input of at least 16x16 (four 2x2 poolings); received " +
                      std::to_string(o.height) + "x" + std::to_string(o.width) + ".");
  }
  Sequential model({.seed = o.seed, .input_shape = {o.height, o.width, o.depth}});
  for (int64_t filters : {32, 64, 128, 256}) {
    for (int i = 0; i < 2; ++i) {
      model.add(Conv2D({.filters = filters,
                        .kernel_size = {3, 3},
                        .padding = Padding::Same,
                        .use_bias = false,
                        .kernel_initializer = "he_normal",
                        .kernel_l2 = o.l2}));
      model.add(BatchNormalization({.momentum = o.bn_momentum.value_or(0.99f)}));
      model.add(Activation("relu"));
    }
    model.add(MaxPooling2D({.pool_size = {2, 2}}));
  }
  model.add(GlobalAveragePooling2D());
  model.add(Dropout(o.dropout ? 0.3f : 0.0f));
  model.add(Dense({.units = o.classes, .kernel_l2 = o.l2}));
  model.add(Activation("softmax"));
  return model;
}

}  // namespace petal
