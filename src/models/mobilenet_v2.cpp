// MobileNetV2 as keras.applications.MobileNetV2 (tf.keras 2.x) builds it, with
// the width multiplier alpha and Keras's layer names (see petal/models/zoo.h).
#include <algorithm>
#include <cstdio>

#include "models/zoo_checks.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"

namespace petal {

namespace {

// Keras's _make_divisible(v, 8): the nearest multiple of 8, at least 8, and not
// below 90% of v.
int64_t make_divisible(double v, int64_t divisor = 8) {
  int64_t out = std::max(divisor, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

struct MobileNetBuilder {
  const ZooOptions& o;
  float momentum;

  KerasTensor bn_relu6(const KerasTensor& x, const std::string& bn, const std::string& relu, bool with_relu) const {
    KerasTensor y = BatchNormalization({.momentum = momentum, .epsilon = 1e-3f, .name = bn})(x);
    return with_relu ? ReLU({.max_value = 6.0f, .name = relu})(y) : y;
  }

  KerasTensor conv1x1(const KerasTensor& x, int64_t filters, const std::string& name) const {
    return Conv2D({.filters = filters,
                   .kernel_size = {1, 1},
                   .padding = Padding::Same,
                   .use_bias = false,
                   .kernel_l2 = o.l2,
                   .name = name})(x);
  }

  // Keras's _inverted_res_block.
  KerasTensor inverted_res_block(const KerasTensor& inputs, int expansion, int64_t stride, int64_t filters,
                                 int block_id) const {
    const int64_t in_channels = inputs.shape().back();
    const auto pointwise_conv_filters = static_cast<int64_t>(static_cast<double>(filters) * o.alpha);  // int()
    const int64_t pointwise_filters = make_divisible(static_cast<double>(pointwise_conv_filters));
    std::string prefix = "block_" + std::to_string(block_id) + "_";
    KerasTensor x = inputs;
    if (block_id != 0) {
      x = conv1x1(x, expansion * in_channels, prefix + "expand");
      x = bn_relu6(x, prefix + "expand_BN", prefix + "expand_relu", true);
    } else {
      prefix = "expanded_conv_";
    }
    if (stride == 2) x = ZeroPadding2D({.padding = correct_pad(x), .name = prefix + "pad"})(x);
    x = DepthwiseConv2D({.kernel_size = {3, 3},
                         .strides = {stride, stride},
                         .padding = stride == 1 ? Padding::Same : Padding::Valid,
                         .use_bias = false,
                         .name = prefix + "depthwise"})(x);
    x = bn_relu6(x, prefix + "depthwise_BN", prefix + "depthwise_relu", true);
    x = conv1x1(x, pointwise_filters, prefix + "project");
    x = bn_relu6(x, prefix + "project_BN", "", false);
    if (in_channels == pointwise_filters && stride == 1) return Add({.name = prefix + "add"})({inputs, x});
    return x;
  }

  // Keras's imagenet_utils.correct_pad for a 3x3 kernel: ((1 - odd, 1), ...) per axis.
  static Sides2D correct_pad(const KerasTensor& x) {
    const Shape& s = x.shape();
    return Sides2D({s[0] % 2 == 0 ? 0 : 1, 1}, {s[1] % 2 == 0 ? 0 : 1, 1});
  }
};

}  // namespace

Model mobilenet_v2(const ZooOptions& o) {
  detail::check_zoo_options("mobilenet_v2", o);
  const MobileNetBuilder b{o, o.bn_momentum.value_or(0.999f)};
  const KerasTensor input = Input({o.height, o.width, o.depth});
  KerasTensor x = Conv2D({.filters = make_divisible(32.0 * o.alpha),
                          .kernel_size = {3, 3},
                          .strides = {2, 2},
                          .padding = Padding::Same,
                          .use_bias = false,
                          .kernel_l2 = o.l2,
                          .name = "Conv1"})(input);
  x = b.bn_relu6(x, "bn_Conv1", "Conv1_relu", true);
  // (filters, stride, expansion) of blocks 0..16, Keras's table.
  struct Spec {
    int64_t filters, stride;
    int expansion;
  };
  const Spec specs[] = {{16, 1, 1},  {24, 2, 6},  {24, 1, 6},  {32, 2, 6},  {32, 1, 6},  {32, 1, 6},
                        {64, 2, 6},  {64, 1, 6},  {64, 1, 6},  {64, 1, 6},  {96, 1, 6},  {96, 1, 6},
                        {96, 1, 6},  {160, 2, 6}, {160, 1, 6}, {160, 1, 6}, {320, 1, 6}};
  int id = 0;
  for (const Spec& s : specs) x = b.inverted_res_block(x, s.expansion, s.stride, s.filters, id++);
  const int64_t last = o.alpha > 1.0 ? make_divisible(1280.0 * o.alpha) : 1280;
  x = b.conv1x1(x, last, "Conv_1");
  x = b.bn_relu6(x, "Conv_1_bn", "out_relu", true);
  x = GlobalAveragePooling2D()(x);
  x = Dense({.units = o.classes, .activation = "softmax", .kernel_l2 = o.l2, .name = "predictions"})(x);
  char name[64];
  std::snprintf(name, sizeof name, "mobilenetv2_%.2f_%lld", o.alpha,
                static_cast<long long>(o.height));
  return Model(input, x, {.seed = o.seed, .name = name});
}

}  // namespace petal
