// The functional zoo (ResNets, MobileNetV2): parameter totals against Keras's
// and against hand-derived counts, Keras's layer names, the stem that adapts to
// small inputs, reproducible weights, and option errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "petal/core/error.h"
#include "petal/layers/conv2d.h"
#include "petal/models/zoo.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

int64_t non_trainable(const Model& m) {
  int64_t n = 0;
  for (const Layer* l : m.layers()) n += l->count_params() - l->count_trainable_params();
  return n;
}

bool has_layer(const Model& m, const std::string& name) {
  const auto layers = m.layers();
  return std::any_of(layers.begin(), layers.end(), [&](const Layer* l) { return l->name() == name; });
}

// Keras's own totals (keras.applications, weights=None, 224x224x3, 1000 classes).
TEST(Zoo, ResNet50AndMobileNetV2HaveKerasTotals) {
  Model r50 = resnet50({.height = 224, .width = 224, .classes = 1000});
  EXPECT_EQ(r50.count_params(), 25636712);
  EXPECT_EQ(non_trainable(r50), 53120);
  EXPECT_THAT(r50.summary(),
              HasSubstr("Total params: 25,636,712\nTrainable params: 25,583,592\nNon-trainable params: 53,120\n"));
  EXPECT_EQ(r50.layers().size(), 177u);  // len(tf.keras ResNet50().layers), InputLayer included
  Model mb = mobilenet_v2({.height = 224, .width = 224, .classes = 1000});
  EXPECT_EQ(mb.count_params(), 3538984);
  EXPECT_EQ(non_trainable(mb), 34112);
  EXPECT_THAT(mb.summary(),
              HasSubstr("Total params: 3,538,984\nTrainable params: 3,504,872\nNon-trainable params: 34,112\n"));
  EXPECT_EQ(mb.layers().size(), 156u);  // 154 without the top (GAP, predictions), as tf.keras
  EXPECT_EQ(mb.name(), "mobilenetv2_1.00_224");
}

// Other widths: Keras's _make_divisible and last-conv rules (1280 unless alpha > 1).
// Totals as tf.keras's MobileNetV2(alpha=a, weights=None) reports them.
TEST(Zoo, MobileNetV2WidthMultiplier) {
  EXPECT_EQ(mobilenet_v2({.height = 224, .width = 224, .classes = 1000, .alpha = 0.35}).count_params(), 1691208);
  EXPECT_EQ(mobilenet_v2({.height = 224, .width = 224, .classes = 1000, .alpha = 1.4}).count_params(), 6156712);
  Model half = mobilenet_v2({.height = 96, .width = 96, .classes = 17, .alpha = 0.5});
  EXPECT_EQ(half.count_params(), 728001);
  EXPECT_EQ(non_trainable(half), 18544);
  EXPECT_EQ(half.layer("Conv1").output_shape(), (Shape{48, 48, 16}));  // _make_divisible(32 * 0.5) = 16
  EXPECT_EQ(half.layer("block_16_project").output_shape(), (Shape{3, 3, 160}));  // int(320 * 0.5) = 160
  EXPECT_EQ(half.layer("Conv_1").output_shape(), (Shape{3, 3, 1280}));
}

// ResNet-18 at 224x224x3, 1000 classes (Conv2D biases, as Keras's ResNets):
//   stem 7*7*3*64+64 = 9,472 + conv1_bn 4*64 = 256
//   conv2: 2 blocks x (2 x (9*64*64+64) + 2 BN x 256) = 148,736
//   conv3: block1 9*64*128+128 + 9*128*128+128 + 1*64*128+128 + 3 BN x 512 = 231,296;
//          block2 2 x 147,584 + 1,024 = 296,192 -> 527,488
//   conv4: 295,168 + 590,080 + 33,024 + 3,072 = 921,344; + 2 x 590,080 + 2,048 -> 2,103,552
//   conv5: 1,180,160 + 2,359,808 + 131,584 + 6,144 = 3,677,696; + 4,723,712 -> 8,401,408
//   predictions 512*1000+1000 = 513,000
//   total 11,703,912; non-trainable: 2 per BN channel, 2 x (64 + 4x64 + 5x128 + 5x256 + 5x512) = 9,600.
// The small-input stem (3x3, 64 px) and 17 classes: - 7,680 (stem) - 504,279 (head) = 11,191,953.
// ResNet-34 adds identity blocks: conv2 +1 (74,368), conv3 +2 (2 x 296,192),
//   conv4 +4 (4 x 1,182,208), conv5 +1 (4,723,712) = 21,823,208;
//   non-trainable 2 x (64 + 6x64 + 9x128 + 13x256 + 7x512) = 17,024.
TEST(Zoo, ResNet18And34TotalsMatchTheDerivation) {
  Model r18 = resnet18({.height = 224, .width = 224, .classes = 1000});
  EXPECT_EQ(r18.count_params(), 11703912);
  EXPECT_EQ(non_trainable(r18), 9600);
  Model small = resnet18({.height = 64, .width = 64, .classes = 17});
  EXPECT_EQ(small.count_params(), 11191953);
  EXPECT_EQ(non_trainable(small), 9600);
  Model r34 = resnet34({.height = 224, .width = 224, .classes = 1000});
  EXPECT_EQ(r34.count_params(), 21823208);
  EXPECT_EQ(non_trainable(r34), 17024);
}

// CIFAR ResNets at 32x32x3 and 10 classes. ResNet-20 is keras-team's
// cifar10_resnet.py resnet_v1(depth=20), whose summary reads 274,442 (1,376
// non-trainable): stem 448 + 64; stage 1: 3 x (2 x 2,320 + 128) = 14,304;
// stage 2: 4,640 + 9,248 + 544 (1x1 projection, no BN) + 256 + 2 x (2 x 9,248 + 256)
// = 52,192; stage 3: 18,496 + 36,928 + 2,112 + 512 + 2 x (2 x 36,928 + 512) = 206,784;
// Dense 650. ResNet-56 has 6 more identity blocks per stage: + 6 x (4,768 +
// 18,752 + 74,368) = 861,770; non-trainable 2 x (16 + 18 x (16 + 32 + 64)) = 4,064.
TEST(Zoo, CifarResNetTotalsMatchTheKerasExample) {
  Model r20 = resnet20({.height = 32, .width = 32, .classes = 10});
  EXPECT_EQ(r20.count_params(), 274442);
  EXPECT_EQ(non_trainable(r20), 1376);
  EXPECT_EQ(r20.layer("conv4_block3_out").output_shape(), (Shape{8, 8, 64}));
  Model r56 = resnet56({.height = 32, .width = 32, .classes = 10});
  EXPECT_EQ(r56.count_params(), 861770);
  EXPECT_EQ(non_trainable(r56), 4064);
  EXPECT_FALSE(has_layer(r56, "conv3_block1_0_bn"));  // option B without BN, as the example
  EXPECT_TRUE(has_layer(r56, "conv3_block1_0_conv"));
  EXPECT_FALSE(has_layer(r56, "conv2_block1_0_conv"));  // identity where the shape is kept
}

TEST(Zoo, KerasLayerNames) {
  Model r50 = resnet50({.height = 224, .width = 224, .classes = 1000});
  for (const char* name : {"conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool",
                           "conv2_block1_0_conv", "conv2_block1_0_bn", "conv2_block1_1_conv", "conv2_block1_3_bn",
                           "conv2_block1_add", "conv2_block1_out", "conv5_block3_out", "avg_pool", "predictions"}) {
    EXPECT_TRUE(has_layer(r50, name)) << name;
  }
  EXPECT_EQ(r50.layer("conv5_block3_out").output_shape(), (Shape{7, 7, 2048}));
  // Keras's ResNet50 strides the first 1x1 of a stage, not the 3x3.
  EXPECT_EQ(dynamic_cast<const Conv2D&>(r50.layer("conv3_block1_1_conv")).options().strides, (std::array<int64_t, 2>{2, 2}));
  EXPECT_EQ(dynamic_cast<const Conv2D&>(r50.layer("conv3_block1_2_conv")).options().strides, (std::array<int64_t, 2>{1, 1}));
  Model mb = mobilenet_v2({.height = 224, .width = 224, .classes = 1000});
  for (const char* name : {"Conv1", "bn_Conv1", "Conv1_relu", "expanded_conv_depthwise", "expanded_conv_depthwise_BN",
                           "expanded_conv_depthwise_relu", "expanded_conv_project", "expanded_conv_project_BN",
                           "block_1_expand", "block_1_expand_BN", "block_1_expand_relu", "block_1_pad",
                           "block_1_depthwise", "block_2_add", "block_16_project_BN", "Conv_1", "Conv_1_bn",
                           "out_relu", "predictions"}) {
    EXPECT_TRUE(has_layer(mb, name)) << name;
  }
  EXPECT_FALSE(has_layer(mb, "block_1_add"));  // stride 2: no residual
  EXPECT_EQ(mb.layer("out_relu").output_shape(), (Shape{7, 7, 1280}));
}

// Below 128 px: a 3x3 stride-1 stem without max-pool; from 128 px Keras's stem.
TEST(Zoo, ResNetStemAdaptsToSmallInputs) {
  Model small = resnet18({.height = 64, .width = 64, .classes = 17});
  EXPECT_FALSE(has_layer(small, "pool1_pool"));
  EXPECT_FALSE(has_layer(small, "conv1_pad"));
  EXPECT_EQ(dynamic_cast<const Conv2D&>(small.layer("conv1_conv")).options().kernel_size, (std::array<int64_t, 2>{3, 3}));
  EXPECT_EQ(small.layer("conv2_block2_out").output_shape(), (Shape{64, 64, 64}));
  EXPECT_EQ(small.layer("conv5_block2_out").output_shape(), (Shape{8, 8, 512}));
  Model wide = resnet18({.height = 128, .width = 160, .classes = 5});
  EXPECT_TRUE(has_layer(wide, "pool1_pool"));
  EXPECT_EQ(wide.layer("pool1_pool").output_shape(), (Shape{32, 40, 64}));
  EXPECT_EQ(wide.output_shape(), (Shape{5}));
  Model mixed = resnet50({.height = 200, .width = 100, .classes = 3});  // the smaller side decides
  EXPECT_FALSE(has_layer(mixed, "pool1_pool"));
  EXPECT_EQ(mixed.layer("conv5_block3_out").output_shape(), (Shape{25, 13, 2048}));
}

// Odd sizes: Keras's correct_pad pads ((1, 1), (1, 1)) before a stride-2 depthwise conv.
TEST(Zoo, MobileNetV2TakesAnyInputSize) {
  Model m = mobilenet_v2({.height = 97, .width = 33, .depth = 1, .classes = 4, .alpha = 0.35});
  EXPECT_EQ(m.layer("Conv1").output_shape(), (Shape{49, 17, 16}));
  EXPECT_EQ(m.layer("block_1_pad").output_shape(), (Shape{51, 19, 48}));  // expand 6 x 8
  EXPECT_EQ(m.layer("block_1_depthwise").output_shape(), (Shape{25, 9, 48}));
  EXPECT_EQ(m.layer("out_relu").output_shape(), (Shape{4, 2, 1280}));
  EXPECT_EQ(m.output_shape(), (Shape{4}));
}

TEST(Zoo, SeedDecidesTheWeights) {
  for (const std::string name : {"resnet20", "mobilenet_v2"}) {
    const ZooOptions o{.height = 32, .width = 32, .classes = 5, .seed = 11, .alpha = 0.35};
    const auto a = build_model(name, o).get_weights(), b = build_model(name, o).get_weights();
    ZooOptions other = o;
    other.seed = 12;
    const auto c = build_model(name, other).get_weights();
    ASSERT_EQ(a.size(), b.size());
    bool all_same = true, any_differ = false;
    for (size_t i = 0; i < a.size(); ++i) {
      const auto va = a[i].values(), vb = b[i].values(), vc = c[i].values();
      all_same = all_same && std::equal(va.begin(), va.end(), vb.begin(), vb.end());
      any_differ = any_differ || !std::equal(va.begin(), va.end(), vc.begin(), vc.end());
    }
    EXPECT_TRUE(all_same) << name;
    EXPECT_TRUE(any_differ) << name;
  }
}

TEST(Zoo, EveryModelIsRegisteredAndBadOptionsNameTheModel) {
  const auto names = zoo_models();
  for (const char* n : {"minivggnet", "shallownet", "lenet", "vgg_bn", "resnet18", "resnet34", "resnet50", "resnet20",
                        "resnet56", "mobilenet_v2"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  EXPECT_THROW(
      {
        try {
          mobilenet_v2({.alpha = 0});
        } catch (const ConfigError& e) {
          EXPECT_THAT(e.what(), HasSubstr("mobilenet_v2: expected a positive width multiplier alpha; received 0"));
          throw;
        }
      },
      ConfigError);
  EXPECT_THROW(
      {
        try {
          build_model("resnet18", {.classes = 0});
        } catch (const ConfigError& e) {
          EXPECT_THAT(e.what(), HasSubstr("build_model('resnet18'): expected positive height, width, depth and classes"));
          throw;
        }
      },
      ConfigError);
  EXPECT_THROW(resnet20({.bn_momentum = 1.5f}), ConfigError);
  EXPECT_THROW(build_model("resnet101", {}), ConfigError);
}

}  // namespace
}  // namespace petal
