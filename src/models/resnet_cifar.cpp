// ResNet-20 and ResNet-56 for CIFAR-sized images, as keras-team's
// cifar10_resnet.py builds resnet_v1 (see petal/models/zoo.h).
#include "models/resnet_blocks.h"
#include "models/zoo_checks.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"

namespace petal {

namespace {

// depth = 6n + 2: 3 stages of n basic blocks, 16/32/64 filters.
Model cifar_resnet(const ZooOptions& o, int n, const std::string& name) {
  detail::check_zoo_options(name, o);
  const detail::ResNetStyle style{.epsilon = 1e-3f,  // Keras's BatchNormalization() defaults
                                  .momentum = o.bn_momentum.value_or(0.99f),
                                  .initializer = "he_normal",
                                  .l2 = o.l2,
                                  .shortcut_bn = false};
  const KerasTensor input = Input({o.height, o.width, o.depth});
  KerasTensor x = detail::conv_bn(input, 16, 3, 1, "conv1", style, true);
  for (int s = 0; s < 3; ++s) {
    for (int b = 0; b < n; ++b) {
      const std::string block = "conv" + std::to_string(s + 2) + "_block" + std::to_string(b + 1);
      x = detail::basic_block(x, int64_t{16} << s, s > 0 && b == 0 ? 2 : 1, block, style);
    }
  }
  x = GlobalAveragePooling2D({.name = "avg_pool"})(x);
  x = Dense({.units = o.classes, .activation = "softmax", .kernel_initializer = "he_normal", .name = "predictions"})(x);
  return Model(input, x, {.seed = o.seed, .name = name});
}

}  // namespace

Model resnet20(const ZooOptions& o) { return cifar_resnet(o, 3, "resnet20"); }

Model resnet56(const ZooOptions& o) { return cifar_resnet(o, 9, "resnet56"); }

}  // namespace petal
