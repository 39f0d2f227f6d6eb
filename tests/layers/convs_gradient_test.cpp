// The convolution-family layers' backward against central finite differences
// (input and every parameter, train and inference phases) and the add-into rule.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "petal/layers/conv2d.h"
#include "petal/layers/conv2d_transpose.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/layers/separable_conv2d.h"
#include "petal/layers/up_sampling2d.h"
#include "testing/gradcheck.h"

namespace petal {
namespace {

using detail::Phase;
using testing::GradcheckOptions;
using P2 = std::array<int64_t, 2>;

struct GradCase {
  std::string name;
  std::function<std::unique_ptr<Layer>()> make;
  Shape input;
  GradcheckOptions options = {};
};

void PrintTo(const GradCase& c, std::ostream* os) { *os << c.name; }

template <typename L, typename O>
std::function<std::unique_ptr<Layer>()> mk(O options) {
  return [=] { return std::make_unique<L>(options); };
}

std::vector<GradCase> cases() {
  const GradcheckOptions infer{.phase = Phase::Infer};
  GradcheckOptions pool{.distinct_inputs = true};
  pool.eps = 1e-3;
  return {
      {"Conv2DDilatedSame", mk<Conv2D>(Conv2DOptions{.filters = 3, .padding = Padding::Same, .dilation_rate = {2, 2}}), {6, 5, 2}},
      {"Conv2DGroups2Stride2", mk<Conv2D>(Conv2DOptions{.filters = 4, .strides = {2, 2}, .padding = Padding::Same, .groups = 2, .activation = "tanh"}), {5, 5, 4}},
      {"Conv2DGroups3DilatedInference", mk<Conv2D>(Conv2DOptions{.filters = 3, .dilation_rate = {1, 2}, .groups = 3, .use_bias = false}), {5, 6, 3}, infer},
      {"DepthwiseSame", mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.padding = Padding::Same}), {5, 4, 3}},
      {"DepthwiseMultiplier2Stride2", mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.strides = {2, 2}, .padding = Padding::Same, .depth_multiplier = 2, .activation = "sigmoid"}), {5, 5, 2}},
      {"DepthwiseDilatedInference", mk<DepthwiseConv2D>(DepthwiseConv2DOptions{.dilation_rate = {2, 2}, .use_bias = false}), {6, 6, 2}, infer},
      {"SeparableSame", mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 3, .padding = Padding::Same}), {4, 5, 2}},
      {"SeparableStride2Multiplier2Softmax", mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 3, .strides = {2, 2}, .padding = Padding::Same, .depth_multiplier = 2, .activation = "softmax"}), {5, 5, 2}},
      {"SeparableDilatedInference", mk<SeparableConv2D>(SeparableConv2DOptions{.filters = 2, .dilation_rate = {2, 2}}), {6, 5, 2}, infer},
      {"TransposeStride2Same", mk<Conv2DTranspose>(Conv2DTransposeOptions{.filters = 3, .strides = {2, 2}, .padding = Padding::Same}), {3, 4, 2}},
      {"TransposeKernel2Stride3Valid", mk<Conv2DTranspose>(Conv2DTransposeOptions{.filters = 2, .kernel_size = {2, 2}, .strides = {3, 3}}), {3, 3, 2}},
      {"TransposeOutputPadding", mk<Conv2DTranspose>(Conv2DTransposeOptions{.filters = 2, .strides = {3, 2}, .output_padding = P2{2, 1}, .activation = "elu"}), {3, 3, 2}},
      {"TransposeDilatedInference", mk<Conv2DTranspose>(Conv2DTransposeOptions{.filters = 2, .padding = Padding::Same, .dilation_rate = {2, 2}}), {4, 3, 2}, infer},
      {"UpSamplingNearest", mk<UpSampling2D>(UpSampling2DOptions{.size = {2, 3}}), {3, 2, 2}},
      {"UpSamplingBilinear", mk<UpSampling2D>(UpSampling2DOptions{.size = {3, 2}, .interpolation = "bilinear"}), {3, 4, 2}},
      {"ZeroPadding", mk<ZeroPadding2D>(ZeroPadding2DOptions{.padding = {P2{1, 0}, P2{2, 1}}}), {3, 3, 2}},
      {"Cropping", mk<Cropping2D>(Cropping2DOptions{.cropping = {P2{0, 1}, P2{2, 1}}}), {5, 6, 2}},
      {"GlobalMaxPooling", mk<GlobalMaxPooling2D>(GlobalMaxPooling2DOptions{}), {3, 4, 3}, pool},
      {"MaxPoolSame32Stride12", mk<MaxPooling2D>(Pooling2DOptions{.pool_size = {3, 2}, .strides = {1, 2}, .padding = Padding::Same}), {5, 5, 2}, pool},
      {"AvgPoolSame3Stride21", mk<AveragePooling2D>(Pooling2DOptions{.pool_size = {3, 3}, .strides = {2, 1}, .padding = Padding::Same}), {5, 4, 2}},
      {"AvgPoolSame2Stride3", mk<AveragePooling2D>(Pooling2DOptions{.pool_size = {2, 2}, .strides = {3, 3}, .padding = Padding::Same}), {7, 5, 2}},
  };
}

class ConvsGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(ConvsGradient, MatchesFiniteDifferencesAndAddsIntoGrads) {
  const GradCase& c = GetParam();
  auto layer = c.make();
  layer->set_name("under_test");
  const auto res = testing::gradcheck(*layer, c.input, c.options);
  EXPECT_EQ(res.failure, "") << "worst: " << res.worst_where << " (ratio " << res.worst << ")";
  EXPECT_GT(res.checked, 0);
}

INSTANTIATE_TEST_SUITE_P(ConvLayers, ConvsGradient, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace petal
