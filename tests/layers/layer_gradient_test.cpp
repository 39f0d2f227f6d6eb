// Every layer's backward against central finite differences (input and every
// parameter, train and inference phases where they differ), and the add-into rule.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "testing/gradcheck.h"

namespace petal {
namespace {

using detail::Phase;
using testing::GradcheckOptions;

struct GradCase {
  std::string name;
  std::function<std::unique_ptr<Layer>()> make;
  Shape input;
  GradcheckOptions options = {};
};

void PrintTo(const GradCase& c, std::ostream* os) { *os << c.name; }

std::vector<GradCase> cases() {
  GradcheckOptions pool{.distinct_inputs = true};
  pool.eps = 1e-3;
  GradcheckOptions infer{.phase = Phase::Infer};
  GradcheckOptions bn{.batch = 4};
  bn.eps = 3e-3;
  return {
      {"Conv2DValidRelu", [] { return std::make_unique<Conv2D>(Conv2DOptions{.filters = 4, .activation = "relu"}); },
       {5, 6, 3}},
      {"Conv2DSameStride2NoBias",
       [] {
         return std::make_unique<Conv2D>(Conv2DOptions{
             .filters = 3, .kernel_size = {2, 3}, .strides = {2, 2}, .padding = Padding::Same, .use_bias = false});
       },
       {5, 4, 2}},
      {"Conv2DSoftmax",
       [] { return std::make_unique<Conv2D>(Conv2DOptions{.filters = 3, .padding = Padding::Same, .activation = "softmax"}); },
       {3, 3, 2}},
      {"Conv2DTanhInference",
       [] { return std::make_unique<Conv2D>(Conv2DOptions{.filters = 2, .activation = "tanh"}); }, {4, 4, 2}, infer},
      {"DenseLinear", [] { return std::make_unique<Dense>(DenseOptions{.units = 5}); }, {7}},
      {"DenseSigmoid", [] { return std::make_unique<Dense>(DenseOptions{.units = 3, .activation = "sigmoid"}); }, {4}},
      {"DenseSoftmax", [] { return std::make_unique<Dense>(DenseOptions{.units = 4, .activation = "softmax"}); }, {6}},
      {"DenseEluNoBias",
       [] { return std::make_unique<Dense>(DenseOptions{.units = 3, .activation = "elu", .use_bias = false}); }, {5}},
      {"BatchNorm4DTrain", [] { return std::make_unique<BatchNormalization>(); }, {3, 3, 4}, bn},
      {"BatchNorm2DTrain", [] { return std::make_unique<BatchNormalization>(); }, {5}, bn},
      {"BatchNormNoCenterNoScale",
       [] { return std::make_unique<BatchNormalization>(BatchNormalizationOptions{.center = false, .scale = false}); },
       {2, 2, 3}, bn},
      {"BatchNorm4DInference", [] { return std::make_unique<BatchNormalization>(); }, {3, 3, 4}, infer},
      {"MaxPooling2D", [] { return std::make_unique<MaxPooling2D>(); }, {4, 4, 3}, pool},
      {"MaxPooling2DSame3x3Stride2",
       [] {
         return std::make_unique<MaxPooling2D>(
             Pooling2DOptions{.pool_size = {3, 3}, .strides = {2, 2}, .padding = Padding::Same});
       },
       {5, 5, 2}, pool},
      {"AveragePooling2DSame",
       [] {
         return std::make_unique<AveragePooling2D>(
             Pooling2DOptions{.pool_size = {3, 3}, .strides = {2, 2}, .padding = Padding::Same});
       },
       {5, 4, 2}},
      {"GlobalAveragePooling2D", [] { return std::make_unique<GlobalAveragePooling2D>(); }, {3, 4, 5}},
      {"Flatten", [] { return std::make_unique<Flatten>(); }, {2, 3, 4}},
      {"DropoutTrain", [] { return std::make_unique<Dropout>(DropoutOptions{.rate = 0.4f, .seed = 9}); }, {4, 4, 2}},
      {"ActivationRelu", [] { return std::make_unique<Activation>("relu"); }, {3, 3, 2}},
      {"ActivationLeakyRelu", [] { return std::make_unique<Activation>("leaky_relu"); }, {6}},
      {"ActivationSigmoid", [] { return std::make_unique<Activation>("sigmoid"); }, {6}},
      {"ActivationTanh", [] { return std::make_unique<Activation>("tanh"); }, {2, 2, 3}},
      {"ActivationElu", [] { return std::make_unique<Activation>("elu"); }, {6}},
      {"ActivationSoftmax4D", [] { return std::make_unique<Activation>("softmax"); }, {2, 2, 5}},
      {"ActivationSoftmax2D", [] { return std::make_unique<Activation>("softmax"); }, {7}},
  };
}

class LayerGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(LayerGradient, MatchesFiniteDifferencesAndAddsIntoGrads) {
  const GradCase& c = GetParam();
  auto layer = c.make();
  layer->set_name("under_test");
  const auto res = testing::gradcheck(*layer, c.input, c.options);
  EXPECT_EQ(res.failure, "") << "worst: " << res.worst_where << " (ratio " << res.worst << ")";
  EXPECT_GT(res.checked, 0);
}

INSTANTIATE_TEST_SUITE_P(AllLayers, LayerGradient, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace petal
