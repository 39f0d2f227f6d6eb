// The convolution-family layers outside the numeric checks: output shapes and
// parameter counts by Keras's formulas, bad arguments and shapes, model-file
// round trip with Keras's weight names, configs from older files, GlobalMaxPooling2D ties.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "layers/layer_factory.h"
#include "model/net_plan.h"
#include "petal/core/error.h"
#include "petal/io/npz.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/conv2d_transpose.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/layers/separable_conv2d.h"
#include "petal/layers/up_sampling2d.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::HasSubstr;
using P2 = std::array<int64_t, 2>;

struct Expect {
  Shape output;
  int64_t params;
};

// Builds `layer` on `input` and returns its output shape and parameter count.
Expect built(Layer&& layer, const Shape& input) {
  Rng rng(1);
  const Shape out = layer.build(input, rng);
  return {out, layer.count_params()};
}

void expect(Layer&& layer, const Shape& input, const Expect& want) {
  const Expect got = built(std::move(layer), input);
  EXPECT_EQ(got.output, want.output);
  EXPECT_EQ(got.params, want.params);
}

// Keras's compute_output_shape and count_params, worked out by hand from its formulas.
TEST(ConvsLayers, ShapesAndParameterCountsFollowKeras) {
  // Conv2D: kernel kh*kw*(in/groups)*filters + filters; dilated extent (k-1)*d+1.
  expect(Conv2D({.filters = 8, .groups = 2}), {9, 9, 4}, {{7, 7, 8}, 3 * 3 * 2 * 8 + 8});
  expect(Conv2D({.filters = 8, .dilation_rate = {2, 2}}), {9, 9, 4}, {{5, 5, 8}, 3 * 3 * 4 * 8 + 8});
  expect(Conv2D({.filters = 6, .strides = {2, 2}, .padding = Padding::Same, .groups = 3}), {8, 9, 6},
         {{4, 5, 6}, 114});
  // DepthwiseConv2D: kh*kw*in*dm + in*dm; MobileNetV2's expanded_conv_depthwise has 288.
  expect(DepthwiseConv2D({.depth_multiplier = 2}), {8, 8, 3}, {{6, 6, 6}, 54 + 6});
  expect(DepthwiseConv2D({.strides = {2, 2}, .padding = Padding::Same, .use_bias = false}), {9, 9, 3},
         {{5, 5, 3}, 27});
  expect(DepthwiseConv2D({.padding = Padding::Same, .use_bias = false}), {48, 48, 32}, {{48, 48, 32}, 288});
  // SeparableConv2D: kh*kw*in*dm + in*dm*filters + filters; Xception's block2_sepconv1 has 8,768.
  expect(SeparableConv2D({.filters = 16}), {8, 8, 3}, {{6, 6, 16}, 27 + 48 + 16});
  expect(SeparableConv2D({.filters = 16, .depth_multiplier = 2}), {8, 8, 3}, {{6, 6, 16}, 54 + 96 + 16});
  expect(SeparableConv2D({.filters = 128, .padding = Padding::Same, .use_bias = false}), {9, 9, 64},
         {{9, 9, 128}, 8768});
  // Conv2DTranspose: kernel kh*kw*filters*in + filters; deconv_output_length.
  expect(Conv2DTranspose({.filters = 16, .strides = {2, 2}, .padding = Padding::Same}), {7, 7, 8},
         {{14, 14, 16}, 3 * 3 * 16 * 8 + 16});
  expect(Conv2DTranspose({.filters = 16, .strides = {2, 2}}), {7, 7, 8}, {{15, 15, 16}, 1168});
  expect(Conv2DTranspose({.filters = 4, .kernel_size = {2, 2}, .strides = {3, 3}}), {5, 6, 2}, {{15, 18, 4}, 36});
  expect(Conv2DTranspose({.filters = 4, .strides = {3, 2}, .padding = Padding::Same, .output_padding = P2{1, 0}}),
         {5, 6, 2}, {{(5 - 1) * 3 + 3 - 2 + 1, (6 - 1) * 2 + 3 - 2 + 0, 4}, 76});
  expect(Conv2DTranspose({.filters = 2, .padding = Padding::Same, .dilation_rate = {2, 2}}), {5, 6, 2},
         {{5, 6, 2}, 38});
  expect(Conv2DTranspose({.filters = 2, .dilation_rate = {2, 3}}), {5, 6, 2}, {{9, 12, 2}, 38});
  // Weightless layers.
  expect(UpSampling2D({.size = {2, 3}}), {5, 7, 3}, {{10, 21, 3}, 0});
  expect(ZeroPadding2D(), {5, 5, 3}, {{7, 7, 3}, 0});
  expect(ZeroPadding2D({.padding = 2}), {5, 5, 3}, {{9, 9, 3}, 0});
  expect(ZeroPadding2D({.padding = {1, 2}}), {5, 5, 3}, {{7, 9, 3}, 0});
  expect(ZeroPadding2D({.padding = {P2{1, 2}, P2{3, 4}}}), {5, 5, 3}, {{8, 12, 3}, 0});
  expect(Cropping2D({.cropping = {P2{1, 2}, P2{3, 4}}}), {10, 10, 3}, {{7, 3, 3}, 0});
  expect(Cropping2D({.cropping = 2}), {10, 9, 3}, {{6, 5, 3}, 0});
  expect(GlobalMaxPooling2D(), {5, 7, 3}, {{3}, 0});
  // 'same' pooling with strides other than the pool size: ceil(in / stride).
  expect(MaxPooling2D({.pool_size = {3, 2}, .strides = {1, 2}, .padding = Padding::Same}), {7, 5, 3},
         {{7, 3, 3}, 0});
  expect(AveragePooling2D({.pool_size = {2, 2}, .strides = {3, 3}, .padding = Padding::Same}), {7, 8, 2},
         {{3, 3, 2}, 0});
}

TEST(ConvsLayers, KernelShapesAreKeras) {
  auto shapes = [](Layer&& layer, const Shape& in) {
    Rng rng(1);
    layer.build(in, rng);
    std::vector<std::pair<std::string, Shape>> out;
    for (const Param* p : std::as_const(layer).params()) out.emplace_back(p->name, p->keras_shape);
    return out;
  };
  using W = std::vector<std::pair<std::string, Shape>>;
  EXPECT_EQ(shapes(Conv2D({.filters = 6, .groups = 3}), {5, 5, 9}), (W{{"kernel", {3, 3, 3, 6}}, {"bias", {6}}}));
  EXPECT_EQ(shapes(DepthwiseConv2D({.kernel_size = {3, 5}, .depth_multiplier = 2}), {7, 7, 4}),
            (W{{"depthwise_kernel", {3, 5, 4, 2}}, {"bias", {8}}}));
  EXPECT_EQ(shapes(SeparableConv2D({.filters = 5, .depth_multiplier = 3}), {7, 7, 4}),
            (W{{"depthwise_kernel", {3, 3, 4, 3}}, {"pointwise_kernel", {1, 1, 12, 5}}, {"bias", {5}}}));
  EXPECT_EQ(shapes(Conv2DTranspose({.filters = 5, .kernel_size = {2, 3}}), {7, 7, 4}),
            (W{{"kernel", {2, 3, 5, 4}}, {"bias", {5}}}));
}

template <typename Err, typename F>
void expect_error(F make, const std::string& message) {
  try {
    make();
    FAIL() << "no error; expected: " << message;
  } catch (const Err& e) {
    EXPECT_THAT(e.what(), HasSubstr(message));
  }
}

TEST(ConvsLayers, BadArgumentsNameTheLayer) {
  expect_error<ConfigError>([] { Conv2D({.filters = 4, .strides = {2, 1}, .dilation_rate = {1, 2}, .name = "c"}); },
                            "Conv2D(name='c'): expected strides (1, 1) when dilation_rate > 1 (Keras's rule); "
                            "received strides (2, 1) with dilation_rate (1, 2).");
  expect_error<ConfigError>([] { Conv2D({.filters = 6, .groups = 4, .name = "c"}); },
                            "Conv2D(name='c'): expected filters divisible by groups (groups > 0); received "
                            "filters=6, groups=4.");
  expect_error<ConfigError>([] { Conv2D({.filters = 6, .dilation_rate = {0, 1}, .name = "c"}); },
                            "Conv2D(name='c'): expected positive dilation_rate; received (0, 1).");
  expect_error<ConfigError>([] { Conv2D({.filters = 6, .data_format = "channels_first", .name = "c"}); },
                            "Conv2D(name='c'): expected data_format 'channels_last'; received 'channels_first'.");
  expect_error<ConfigError>([] { DepthwiseConv2D({.depth_multiplier = 0, .name = "d"}); },
                            "DepthwiseConv2D(name='d'): expected depth_multiplier > 0; received 0.");
  expect_error<ConfigError>([] { DepthwiseConv2D({.strides = {2, 2}, .dilation_rate = {2, 2}, .name = "d"}); },
                            "DepthwiseConv2D(name='d'): expected strides (1, 1) when dilation_rate > 1");
  expect_error<ConfigError>([] { DepthwiseConv2D({.activation = "relu7", .name = "d"}); },
                            "DepthwiseConv2D(name='d'): unknown activation 'relu7'");
  expect_error<ConfigError>([] { SeparableConv2D({.filters = 0, .name = "s"}); },
                            "SeparableConv2D(name='s'): expected filters > 0; received 0.");
  expect_error<ConfigError>([] { SeparableConv2D({.filters = 2, .pointwise_initializer = "orthogonal", .name = "s"}); },
                            "SeparableConv2D(name='s'): unknown initializer 'orthogonal'");
  expect_error<ConfigError>([] { Conv2DTranspose({.filters = 2, .strides = {2, 2}, .output_padding = P2{1, 2}, .name = "t"}); },
                            "Conv2DTranspose(name='t'): expected output_padding >= 0 and smaller than strides (2, 2) "
                            "(Keras's rule); received output_padding (1, 2).");
  expect_error<ConfigError>([] { Conv2DTranspose({.filters = 2, .strides = {2, 2}, .dilation_rate = {2, 2}, .name = "t"}); },
                            "Conv2DTranspose(name='t'): expected strides (1, 1) when dilation_rate > 1");
  expect_error<ConfigError>([] { UpSampling2D({.interpolation = "bicubic", .name = "u"}); },
                            "UpSampling2D(name='u'): expected interpolation 'nearest' or 'bilinear'; received 'bicubic'.");
  expect_error<ConfigError>([] { UpSampling2D({.size = {0, 2}, .name = "u"}); },
                            "UpSampling2D(name='u'): expected positive size; received (0, 2).");
  expect_error<ConfigError>([] { ZeroPadding2D({.padding = {P2{1, -1}, P2{0, 0}}, .name = "z"}); },
                            "ZeroPadding2D(name='z'): expected non-negative padding; received ((1, -1), (0, 0)).");
  expect_error<ConfigError>([] { Cropping2D({.cropping = -1, .name = "k"}); },
                            "Cropping2D(name='k'): expected non-negative cropping");
  expect_error<ConfigError>([] { GlobalMaxPooling2D({.data_format = "channels_first", .name = "g"}); },
                            "GlobalMaxPooling2D(name='g'): expected data_format 'channels_last'");
}

TEST(ConvsLayers, BadShapesNameTheLayerExpectedAndReceived) {
  Rng rng(1);
  expect_error<ShapeError>([&] { Conv2D({.filters = 4, .groups = 2, .name = "c"}).build({5, 5, 3}, rng); },
                           "Conv2D(name='c'): expected input channels divisible by groups=2; received (None, 5, 5, 3).");
  expect_error<ShapeError>([&] { Conv2D({.filters = 4, .dilation_rate = {3, 3}, .name = "c"}).build({6, 9, 3}, rng); },
                           "Conv2D(name='c'): expected input at least as large as the (dilated) kernel (7, 7) with "
                           "padding='valid'; received (None, 6, 9, 3).");
  expect_error<ShapeError>([&] { DepthwiseConv2D({.name = "d"}).build({5, 5}, rng); },
                           "DepthwiseConv2D(name='d'): expected 3-D input per sample (H, W, C)");
  expect_error<ShapeError>([&] { SeparableConv2D({.filters = 2, .kernel_size = {5, 5}, .name = "s"}).build({4, 8, 2}, rng); },
                           "SeparableConv2D(name='s'): expected input at least as large as the (dilated) kernel (5, 5)");
  // TensorFlow rejects an even kernel with 'same' and output_padding 0: (in - 1) * s
  // rows map back to in - 1, not in.
  expect_error<ShapeError>(
      [&] {
        Conv2DTranspose({.filters = 2, .kernel_size = {4, 4}, .strides = {2, 2}, .padding = Padding::Same,
                         .output_padding = P2{0, 0}, .name = "t"})
            .build({5, 5, 2}, rng);
      },
      "Hint: with padding='same' and an even kernel, set output_padding to at least 1");
  expect_error<ShapeError>([&] { Cropping2D({.cropping = {P2{2, 3}, P2{0, 0}}, .name = "k"}).build({5, 8, 2}, rng); },
                           "Cropping2D(name='k'): expected an input larger than the cropping ((2, 3), (0, 0)) on both "
                           "axes; received (None, 5, 8, 2).");
  expect_error<ShapeError>([&] { UpSampling2D({.name = "u"}).build({16}, rng); },
                           "UpSampling2D(name='u'): expected 3-D input per sample");
  expect_error<ShapeError>([&] { GlobalMaxPooling2D({.name = "g"}).build({4, 4}, rng); },
                           "GlobalMaxPooling2D(name='g'): expected 3-D input per sample");
}

Sequential every_layer_model(uint64_t seed) {
  Sequential m({.seed = seed, .input_shape = {12, 12, 3}});
  m.add(ZeroPadding2D({.padding = {P2{1, 0}, P2{0, 1}}}));                                 // 13x13x3
  m.add(Conv2D({.filters = 8, .dilation_rate = {2, 2}}));                                 // 9x9x8
  m.add(Conv2D({.filters = 8, .padding = Padding::Same, .groups = 4, .activation = "relu"}));
  m.add(DepthwiseConv2D({.strides = {2, 2}, .padding = Padding::Same, .depth_multiplier = 2}));  // 5x5x16
  m.add(SeparableConv2D({.filters = 8, .padding = Padding::Same, .activation = "relu"}));
  m.add(Conv2DTranspose({.filters = 6, .strides = {2, 2}, .padding = Padding::Same, .output_padding = P2{1, 1}}));
  m.add(Cropping2D({.cropping = 1}));                                                      // 8x8x6
  m.add(UpSampling2D({.interpolation = "bilinear"}));                                      // 16x16x6
  m.add(MaxPooling2D({.pool_size = {3, 3}, .strides = {2, 2}, .padding = Padding::Same}));  // 8x8x6
  m.add(GlobalMaxPooling2D());
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  return m;
}

TEST(ConvsLayers, ModelFileRoundTripKeepsConfigsAndKerasWeightNames) {
  testing::TempDir dir;
  Tensor x({12, 12, 12, 3}), y({12, 3});
  Rng rng(3);
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(-1, 1));
  for (int64_t i = 0; i < 12; ++i) y.at({i, i % 3}) = 1;
  Sequential m = every_layer_model(4);
  m.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0});
  m.save(dir.path() / "m.petal");
  Model r = load_model(dir.path() / "m.petal");
  EXPECT_EQ(r.summary(), m.summary());
  for (size_t i = 0; i < m.layers().size(); ++i) EXPECT_EQ(r.layers()[i]->config_json(), m.layers()[i]->config_json());
  const auto wa = m.get_weights(), wb = r.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_EQ(max_abs_diff(wa[i], wb[i]), 0.0f) << m.weight_names()[i];
  EXPECT_LT(max_abs_diff(r.predict(x), m.predict(x)), 1e-6f);
  // Training goes on identically from the file.
  m.fit(x, y, {.batch_size = 4, .epochs = 3, .verbose = 0, .initial_epoch = 2});
  r.fit(x, y, {.batch_size = 4, .epochs = 3, .verbose = 0, .initial_epoch = 2});
  EXPECT_LT(max_abs_diff(r.predict(x), m.predict(x)), 1e-6f);

  const NamedArrays arrays = load_npz(dir.path() / "m.petal");
  auto shape_of = [&](const std::string& name) { return find_array(arrays, name, "test").shape(); };
  EXPECT_EQ(shape_of("conv2d_1/kernel:0"), (Shape{3, 3, 3, 8}));
  EXPECT_EQ(shape_of("conv2d_2/kernel:0"), (Shape{3, 3, 2, 8}));
  EXPECT_EQ(shape_of("depthwise_conv2d_1/depthwise_kernel:0"), (Shape{3, 3, 8, 2}));
  EXPECT_EQ(shape_of("depthwise_conv2d_1/bias:0"), (Shape{16}));
  EXPECT_EQ(shape_of("separable_conv2d_1/depthwise_kernel:0"), (Shape{3, 3, 16, 1}));
  EXPECT_EQ(shape_of("separable_conv2d_1/pointwise_kernel:0"), (Shape{1, 1, 16, 8}));
  EXPECT_EQ(shape_of("separable_conv2d_1/bias:0"), (Shape{8}));
  EXPECT_EQ(shape_of("conv2d_transpose_1/kernel:0"), (Shape{3, 3, 6, 8}));
  EXPECT_EQ(shape_of("conv2d_transpose_1/bias:0"), (Shape{6}));
  const std::vector<std::string> names{"zero_padding2d_1", "up_sampling2d_1", "cropping2d_1", "global_max_pooling2d_1"};
  for (const std::string& n : names) EXPECT_NO_THROW(r.layer(n)) << n;
}

// Model files written before Conv2D had dilation_rate, groups and data_format load with Keras's defaults.
TEST(ConvsLayers, OlderConv2DConfigsLoadWithDefaults) {
  const std::string old = R"({"name":"conv2d_1","filters":4,"kernel_size":[3,3],"strides":[1,1],"padding":"same",
    "activation":"relu","use_bias":true,"kernel_initializer":"glorot_uniform","bias_initializer":"zeros"})";
  auto layer = detail::layer_from_config("Conv2D", old);
  const auto& o = dynamic_cast<Conv2D&>(*layer).options();
  EXPECT_EQ(o.dilation_rate, (P2{1, 1}));
  EXPECT_EQ(o.groups, 1);
  EXPECT_EQ(o.data_format, "channels_last");
  const auto j = nlohmann::json::parse(layer->config_json());
  EXPECT_EQ(j.at("groups"), 1);
  EXPECT_EQ(j.at("dilation_rate"), nlohmann::json::array({1, 1}));
  // Keras writes output_padding null; Conv2DTranspose reads it back as unset.
  auto t = detail::layer_from_config("Conv2DTranspose", R"({"name":"t","filters":2,"kernel_size":[3,3],"output_padding":null})");
  EXPECT_FALSE(dynamic_cast<Conv2DTranspose&>(*t).options().output_padding.has_value());
  // ZeroPadding2D and Cropping2D read Keras's three forms.
  auto z = detail::layer_from_config("ZeroPadding2D", R"({"name":"z","padding":[[1,2],[3,4]]})");
  EXPECT_EQ(dynamic_cast<ZeroPadding2D&>(*z).options().padding, (Sides2D{P2{1, 2}, P2{3, 4}}));
  z = detail::layer_from_config("ZeroPadding2D", R"({"name":"z","padding":[1,2]})");
  EXPECT_EQ(dynamic_cast<ZeroPadding2D&>(*z).options().padding, (Sides2D{P2{1, 1}, P2{2, 2}}));
  auto c = detail::layer_from_config("Cropping2D", R"({"name":"c","cropping":3})");
  EXPECT_EQ(dynamic_cast<Cropping2D&>(*c).options().cropping, (Sides2D{P2{3, 3}, P2{3, 3}}));
}

// Ties: the whole gradient goes to the first maximum in row-major order (oneDNN's
// max pooling), where Keras's tf.reduce_max gradient splits it between them.
TEST(ConvsLayers, GlobalMaxPoolingGivesTiedGradientToTheFirstMaximum) {
  GlobalMaxPooling2D layer;
  layer.set_name("g");
  Rng rng(1);
  layer.build({2, 3, 2}, rng);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  std::vector<Layer*> layers{&layer};
  detail::NetPlan plan(layers, {2, 3, 2}, 1, detail::Phase::Train, engine, true);
  // channel 0: maximum 1 at (0, 1) and (1, 2); channel 1: all equal.
  Tensor x({1, 2, 3, 2}, 0.5f);
  x.at({0, 0, 1, 0}) = 1.0f;
  x.at({0, 1, 2, 0}) = 1.0f;
  detail::StepContext step;
  step.stream = dnnl::stream(engine);
  const float* y = plan.forward(x, step);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], 0.5f);
  plan.output_grad()[0] = 2.0f;
  plan.output_grad()[1] = 3.0f;
  plan.backward(step);
  const float* dx = plan.input_grad();
  std::vector<float> want(12, 0.0f);
  want[(0 * 3 + 1) * 2 + 0] = 2.0f;  // first maximum of channel 0
  want[(0 * 3 + 0) * 2 + 1] = 3.0f;  // first element of channel 1
  EXPECT_EQ(std::vector<float>(dx, dx + 12), want);
}

}  // namespace
}  // namespace petal
