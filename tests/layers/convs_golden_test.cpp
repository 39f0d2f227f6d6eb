// The convolution-family layers (grouped/dilated Conv2D, DepthwiseConv2D,
// SeparableConv2D, Conv2DTranspose, UpSampling2D, ZeroPadding2D, Cropping2D,
// GlobalMaxPooling2D, 'same' pooling with other strides) against
// torch.nn.functional (float64) on the same weights, odd sizes, strides,
// dilations and paddings: output, input gradient and every parameter gradient
// of L = sum(y * R). One reference-script run for all cases.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "model/net_plan.h"
#include "petal/io/npz.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/conv2d_transpose.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/layers/separable_conv2d.h"
#include "petal/layers/up_sampling2d.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using Layers = std::vector<std::unique_ptr<Layer>>;
using Maker = std::function<std::unique_ptr<Layer>()>;

struct GoldenCase {
  std::string name;
  std::vector<Maker> layers;
  Shape input;
  double tolerance = 1e-5;  // relative (max-norm)
};

template <typename L, typename O>
Maker mk(O options) {
  return [=] { return std::make_unique<L>(options); };
}

Maker conv(int64_t filters) { return mk<Conv2D>(Conv2DOptions{.filters = filters, .padding = Padding::Same}); }
Maker act(const std::string& name) { return mk<Activation>(ActivationOptions{.activation = name}); }
using P2 = std::array<int64_t, 2>;

std::vector<GoldenCase> conv_cases() {
  return {
      {"Conv2DDilated2Same", {mk<Conv2D>(Conv2DOptions{.filters = 4, .padding = Padding::Same, .dilation_rate = {2, 2}})}, {9, 7, 3}},
      {"Conv2DDilated23Valid", {mk<Conv2D>(Conv2DOptions{.filters = 3, .kernel_size = {3, 2}, .dilation_rate = {2, 3}})}, {11, 10, 2}},
      {"Conv2DGroups2Stride2Relu", {mk<Conv2D>(Conv2DOptions{.filters = 6, .strides = {2, 2}, .padding = Padding::Same, .groups = 2, .activation = "relu"})}, {8, 9, 4}},
      {"Conv2DGroups3DilatedNoBias", {mk<Conv2D>(Conv2DOptions{.filters = 6, .dilation_rate = {2, 2}, .groups = 3, .use_bias = false})}, {9, 9, 6}},
      {"Conv2DGroups4Channels32", {conv(32), mk<Conv2D>(Conv2DOptions{.filters = 32, .padding = Padding::Same, .groups = 4})}, {8, 8, 3}},
      {"Conv2DGroupsEqualChannels", {mk<Conv2D>(Conv2DOptions{.filters = 8, .kernel_size = {3, 5}, .padding = Padding::Same, .groups = 8})}, {6, 7, 8}},
      {"DepthwiseSame", {mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.padding = Padding::Same})}, {7, 7, 3}},
      {"DepthwiseStride2Multiplier2Relu", {mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.strides = {2, 2}, .padding = Padding::Same, .depth_multiplier = 2, .activation = "relu"})}, {8, 9, 3}},
      {"DepthwiseDilatedValidNoBias", {mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.dilation_rate = {2, 2}, .use_bias = false})}, {10, 9, 4}},
      {"DepthwiseKernel5x3Stride21", {mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.kernel_size = {5, 3}, .strides = {2, 1}})}, {11, 8, 16}},
      {"DepthwiseAfterConv32", {conv(32), mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.padding = Padding::Same, .depth_multiplier = 3})}, {8, 7, 3}},
      {"SeparableSame", {mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 5, .padding = Padding::Same})}, {7, 6, 3}},
      {"SeparableStride2Multiplier2Tanh", {mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 4, .strides = {2, 2}, .padding = Padding::Same, .depth_multiplier = 2, .activation = "tanh"})}, {8, 7, 3}},
      {"SeparableDilatedValidNoBias", {mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 6, .dilation_rate = {2, 2}, .use_bias = false})}, {9, 9, 4}},
      {"SeparableSoftmax", {mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 5, .padding = Padding::Same, .activation = "softmax"})}, {5, 5, 3}},
      {"SeparableAfterConv16", {conv(16), mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 32, .padding = Padding::Same})}, {8, 8, 3}},
  };
}

std::vector<GoldenCase> transpose_cases() {
  auto tr = [](Conv2DTransposeOptions o) { return mk<Conv2DTranspose>(o); };
  return {
      {"TransposeValid", {tr({.filters = 3})}, {5, 4, 2}},
      {"TransposeStride2Same", {tr({.filters = 4, .strides = {2, 2}, .padding = Padding::Same})}, {5, 7, 3}},
      {"TransposeStride2Valid", {tr({.filters = 3, .strides = {2, 2}})}, {4, 5, 2}},
      {"TransposeKernel2Stride3Valid", {tr({.filters = 2, .kernel_size = {2, 2}, .strides = {3, 3}})}, {4, 3, 2}},
      {"TransposeStride2SameOutputPadding0", {tr({.filters = 3, .strides = {2, 2}, .padding = Padding::Same, .output_padding = P2{0, 0}})}, {4, 5, 3}},
      {"TransposeStride3ValidOutputPadding21", {tr({.filters = 3, .strides = {3, 3}, .output_padding = P2{2, 1}})}, {3, 4, 2}},
      {"TransposeKernel4Stride2Same", {tr({.filters = 3, .kernel_size = {4, 4}, .strides = {2, 2}, .padding = Padding::Same})}, {5, 4, 2}},
      {"TransposeKernel4Stride2SameOutputPadding1", {tr({.filters = 3, .kernel_size = {4, 4}, .strides = {2, 2}, .padding = Padding::Same, .output_padding = P2{1, 1}})}, {5, 4, 2}},
      {"TransposeStride21Kernel32", {tr({.filters = 2, .kernel_size = {3, 2}, .strides = {2, 1}, .padding = Padding::Same, .use_bias = false})}, {5, 6, 3}},
      {"TransposeDilated2Same", {tr({.filters = 3, .padding = Padding::Same, .dilation_rate = {2, 2}})}, {5, 6, 2}},
      {"TransposeDilated32Valid", {tr({.filters = 2, .kernel_size = {2, 3}, .dilation_rate = {3, 2}})}, {4, 5, 3}},
      {"TransposeStride2SameRelu32", {conv(16), tr({.filters = 32, .strides = {2, 2}, .padding = Padding::Same, .activation = "relu"})}, {6, 6, 3}},
      // A following Activation layer runs fused into the primitive (the network plan's fusion).
      {"TransposeThenActivationElu", {tr({.filters = 16, .strides = {2, 2}}), act("elu")}, {4, 5, 3}},
      {"DepthwiseThenActivationRelu", {conv(16), mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.padding = Padding::Same}), act("relu")}, {5, 6, 3}},
      {"SeparableThenActivationSigmoid", {mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 16, .strides = {2, 2}}), act("sigmoid")}, {7, 8, 3}},
  };
}

std::vector<GoldenCase> shape_cases() {
  auto up = [](P2 size, const std::string& interp) {
    return mk<UpSampling2D>(UpSampling2DOptions{.size = size, .interpolation = interp});
  };
  auto max_pool = [](P2 pool, P2 strides) {
    return mk<MaxPooling2D>(Pooling2DOptions{.pool_size = pool, .strides = strides, .padding = Padding::Same});
  };
  auto avg_pool = [](P2 pool, P2 strides) {
    return mk<AveragePooling2D>(Pooling2DOptions{.pool_size = pool, .strides = strides, .padding = Padding::Same});
  };
  return {
      {"UpSamplingNearest23", {up({2, 3}, "nearest")}, {3, 4, 2}},
      {"UpSamplingBilinear22", {up({2, 2}, "bilinear")}, {5, 3, 3}},
      {"UpSamplingBilinear32", {up({3, 2}, "bilinear")}, {4, 5, 2}},
      {"UpSamplingBilinearAfterConv16", {conv(16), up({2, 2}, "bilinear")}, {5, 5, 3}},
      {"UpSamplingNearestAfterConv16", {conv(16), up({3, 3}, "nearest")}, {3, 4, 3}},
      {"ZeroPaddingDefault", {mk<ZeroPadding2D>(ZeroPadding2DOptions{})}, {5, 4, 3}},
      {"ZeroPadding1230", {mk<ZeroPadding2D>(ZeroPadding2DOptions{.padding = {P2{1, 2}, P2{3, 0}}})}, {4, 5, 2}},
      {"ZeroPaddingBetweenConvs", {conv(16), mk<ZeroPadding2D>(ZeroPadding2DOptions{.padding = {P2{2, 1}, P2{0, 3}}}), mk<Conv2D>(Conv2DOptions{.filters = 16})}, {5, 6, 3}},
      // 3 channels between convolutions: a blocked layout with padded channels, if oneDNN picks one.
      {"ZeroPaddingPaddedChannels", {conv(16), conv(3), mk<ZeroPadding2D>(ZeroPadding2DOptions{.padding = {P2{0, 2}, P2{1, 1}}}), conv(16)}, {5, 4, 3}},
      {"CroppingPaddedChannels", {conv(16), conv(3), mk<Cropping2D>(Cropping2DOptions{.cropping = {P2{2, 0}, P2{1, 2}}}), conv(16)}, {6, 7, 3}},
      {"Cropping1203", {mk<Cropping2D>(Cropping2DOptions{.cropping = {P2{1, 2}, P2{0, 3}}})}, {7, 8, 3}},
      {"CroppingBetweenConvs", {conv(16), mk<Cropping2D>(Cropping2DOptions{.cropping = {1, 2}}), conv(16)}, {7, 8, 3}},
      {"GlobalMaxPooling", {mk<GlobalMaxPooling2D>(GlobalMaxPooling2DOptions{})}, {5, 3, 4}},
      {"GlobalMaxPoolingAfterConv16", {conv(16), mk<GlobalMaxPooling2D>(GlobalMaxPooling2DOptions{})}, {5, 7, 3}},
      {"MaxPoolSame32Stride12", {max_pool({3, 2}, {1, 2})}, {7, 5, 3}},
      {"MaxPoolSame2Stride3", {max_pool({2, 2}, {3, 3})}, {7, 8, 2}},
      {"MaxPoolSame3Stride1AfterConv16", {conv(16), max_pool({3, 3}, {1, 1})}, {5, 6, 3}},
      {"AvgPoolSame3Stride21", {avg_pool({3, 3}, {2, 1})}, {7, 6, 2}},
      {"AvgPoolSame2Stride1", {avg_pool({2, 2}, {1, 1})}, {5, 5, 3}},
      {"AvgPoolSame3Stride3", {avg_pool({3, 3}, {3, 3})}, {7, 8, 2}},
      {"AvgPoolSame4Stride3AfterConv16", {conv(16), avg_pool({4, 4}, {3, 3})}, {7, 9, 3}},
  };
}

struct Computed {
  Tensor y, dx;
  std::vector<std::pair<std::string, Tensor>> grads;  // "<i>/d<name>" -> Keras-layout gradient
};

// Runs one case in petal (forward, backward of L = sum(y * R)) and adds its
// inputs, weights and spec to the reference script's archive.
Computed run_petal(const GoldenCase& c, NamedArrays& in) {
  Layers layers;
  std::vector<Layer*> ptrs;
  Rng rng(13);
  Shape shape = c.input;
  std::string specs = "[";
  for (size_t i = 0; i < c.layers.size(); ++i) {
    layers.push_back(c.layers[i]());
    layers[i]->set_name("layer" + std::to_string(i));
    shape = layers[i]->build(shape, rng);
    ptrs.push_back(layers[i].get());
    for (Param* p : layers[i]->params()) {  // non-default values everywhere (bias too)
      Tensor v = keras_value(*p);
      for (float& e : v.values()) e = static_cast<float>(rng.uniform(-0.5, 0.5));
      assign_keras_value(*p, v);
      in.emplace_back(c.name + "/" + std::to_string(i) + "/" + p->name, NpyArray::from_tensor(v));
    }
    std::string spec = layers[i]->config_json();
    spec.insert(1, "\"type\":\"" + layers[i]->type() + "\",\"training\":true,");
    specs += (i ? "," : "") + spec;
  }
  const int64_t n = 3;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  detail::NetPlan plan(ptrs, c.input, n, detail::Phase::Train, engine, true);
  Tensor x(with_batch(n, c.input)), r(with_batch(n, shape));
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : r.values()) v = static_cast<float>(rng.uniform(-1, 1));
  in.emplace_back(c.name + "/spec", NpyArray::from_string(specs + "]"));
  in.emplace_back(c.name + "/x", NpyArray::from_tensor(x));
  in.emplace_back(c.name + "/r", NpyArray::from_tensor(r));

  detail::StepContext step;
  step.stream = dnnl::stream(engine);
  step.accumulate_grads = false;
  Computed out;
  const float* y = plan.forward(x, step);
  out.y = Tensor(r.shape(), std::span<const float>(y, static_cast<size_t>(r.size())));
  std::copy(r.data(), r.data() + r.size(), plan.output_grad());
  plan.backward(step);
  out.dx = Tensor(x.shape(), std::span<const float>(plan.input_grad(), static_cast<size_t>(x.size())));
  for (size_t i = 0; i < layers.size(); ++i) {
    for (const Param* p : std::as_const(*layers[i]).params()) {
      if (p->trainable) out.grads.emplace_back(std::to_string(i) + "/d" + p->name, to_keras_layout(*p, p->grad));
    }
  }
  return out;
}

double rel_error(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return INFINITY;
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

TEST(ConvsGolden, EveryLayerMatchesTorchFunctional) {
  const std::string why = testing::python_unavailable("numpy torch");
  if (!why.empty()) GTEST_SKIP() << why;
  std::vector<GoldenCase> all = conv_cases();
  for (auto* more : {transpose_cases, shape_cases}) {
    for (GoldenCase& c : more()) all.push_back(std::move(c));
  }
  NamedArrays in;
  std::vector<std::pair<GoldenCase, Computed>> results;
  for (const GoldenCase& c : all) {
    SCOPED_TRACE(c.name);
    results.emplace_back(c, run_petal(c, in));
  }
  testing::TempDir dir;
  save_npz(dir.path() / "in.npz", in);
  std::string log;
  ASSERT_EQ(testing::run_python("tests/reference/torch_convs_layers.py",
                                (dir.path() / "in.npz").string() + " " + (dir.path() / "out.npz").string(), log),
            0)
      << log;
  // The reference defines Conv2DTranspose as TensorFlow does (a Conv2D's input
  // gradient); the 9 cases whose crop torch's padding/output_padding can
  // express were also matched by F.conv_transpose2d.
  const std::string tag = "matched by F.conv_transpose2d: ";
  const size_t at = log.find(tag);
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_EQ(std::stoi(log.substr(at + tag.size())), 9) << log;
  const NamedArrays ref = load_npz(dir.path() / "out.npz");
  for (const auto& result : results) {  // no structured binding: Clang 14 cannot capture one
    const auto& c = result.first;
    const auto& got = result.second;
    SCOPED_TRACE(c.name);
    auto want = [&](const std::string& k) { return find_array(ref, c.name + "/" + k, "torch reference").to_tensor(); };
    EXPECT_LT(rel_error(got.y, want("y")), c.tolerance) << "output";
    EXPECT_LT(rel_error(got.dx, want("dx")), c.tolerance) << "input gradient";
    for (const auto& [k, g] : got.grads) EXPECT_LT(rel_error(g, want(k)), c.tolerance) << "gradient " << k;
  }
}

}  // namespace
}  // namespace petal
