// ResNet-18, -34 and -50 with Keras's ResNet50 layout and names, and a stem
// that adapts to small inputs (see petal/models/zoo.h).
#include <algorithm>
#include <array>

#include "models/resnet_blocks.h"
#include "models/zoo_checks.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"

namespace petal {

namespace {

using detail::ResNetStyle;

// Inputs at least this large (both sides) get Keras's 7x7/2 + max-pool stem.
constexpr int64_t kImageNetStemMin = 128;

ResNetStyle imagenet_style(const ZooOptions& o) {
  return {.epsilon = 1.001e-5f, .momentum = o.bn_momentum.value_or(0.99f), .l2 = o.l2};
}

KerasTensor stem(const KerasTensor& input, const ZooOptions& o, const ResNetStyle& style) {
  if (std::min(o.height, o.width) < kImageNetStemMin) {
    return detail::conv_bn(input, 64, 3, 1, "conv1", style, true);  // small-input stem
  }
  KerasTensor x = ZeroPadding2D({.padding = {{3, 3}, {3, 3}}, .name = "conv1_pad"})(input);
  x = Conv2D({.filters = 64, .kernel_size = {7, 7}, .strides = {2, 2}, .kernel_l2 = style.l2, .name = "conv1_conv"})(x);
  x = BatchNormalization({.momentum = style.momentum, .epsilon = style.epsilon, .name = "conv1_bn"})(x);
  x = Activation(ActivationOptions{.activation = "relu", .name = "conv1_relu"})(x);
  x = ZeroPadding2D({.padding = {{1, 1}, {1, 1}}, .name = "pool1_pad"})(x);
  return MaxPooling2D({.pool_size = {3, 3}, .strides = {2, 2}, .name = "pool1_pool"})(x);
}

Model head(const KerasTensor& input, const KerasTensor& features, const ZooOptions& o, const std::string& name) {
  KerasTensor x = GlobalAveragePooling2D({.name = "avg_pool"})(features);
  x = Dense({.units = o.classes, .activation = "softmax", .kernel_l2 = o.l2, .name = "predictions"})(x);
  return Model(input, x, {.seed = o.seed, .name = name});
}

// Stages conv2..conv5 of basic blocks, `blocks` per stage.
Model basic_resnet(const ZooOptions& o, const std::array<int, 4>& blocks, const std::string& name) {
  detail::check_zoo_options(name, o);
  const ResNetStyle style = imagenet_style(o);
  const KerasTensor input = Input({o.height, o.width, o.depth});
  KerasTensor x = stem(input, o, style);
  for (int s = 0; s < 4; ++s) {
    const int64_t filters = int64_t{64} << s;
    for (int b = 0; b < blocks[s]; ++b) {
      const std::string block = "conv" + std::to_string(s + 2) + "_block" + std::to_string(b + 1);
      x = detail::basic_block(x, filters, s > 0 && b == 0 ? 2 : 1, block, style);
    }
  }
  return head(input, x, o, name);
}

}  // namespace

Model resnet18(const ZooOptions& o) { return basic_resnet(o, {2, 2, 2, 2}, "resnet18"); }

Model resnet34(const ZooOptions& o) { return basic_resnet(o, {3, 4, 6, 3}, "resnet34"); }

// Keras's ResNet50: stack1(64, 3, stride1=1), stack1(128, 4), stack1(256, 6), stack1(512, 3).
Model resnet50(const ZooOptions& o) {
  detail::check_zoo_options("resnet50", o);
  const ResNetStyle style = imagenet_style(o);
  const KerasTensor input = Input({o.height, o.width, o.depth});
  KerasTensor x = stem(input, o, style);
  const std::array<int, 4> blocks{3, 4, 6, 3};
  for (int s = 0; s < 4; ++s) {
    for (int b = 0; b < blocks[s]; ++b) {
      const std::string block = "conv" + std::to_string(s + 2) + "_block" + std::to_string(b + 1);
      x = detail::bottleneck_block(x, int64_t{64} << s, s > 0 && b == 0 ? 2 : 1, b == 0, block, style);
    }
  }
  return head(input, x, o, "resnet50");
}

}  // namespace petal
