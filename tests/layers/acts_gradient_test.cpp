// Finite-difference gradient checks of the activation, normalisation, noise and
// reshaping layers (input and every parameter, the add-into rule), train and
// inference phases where they differ; noise layers in the train phase, where
// the step (hence the noise) is fixed.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/layer_normalization.h"
#include "petal/layers/noise_layers.h"
#include "petal/layers/rescaling.h"
#include "petal/layers/reshaping.h"
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

template <typename L, typename O>
std::function<std::unique_ptr<Layer>()> mk(O options) {
  return [=] { return std::make_unique<L>(options); };
}

std::vector<GradCase> activation_name_cases() {
  GradcheckOptions wide{.input_scale = 4.0f};
  GradcheckOptions infer{.phase = Phase::Infer, .input_scale = 4.0f};
  std::vector<GradCase> c;
  for (const std::string a : {"relu6", "swish", "silu", "hard_sigmoid", "gelu"}) {
    // A smaller step: fewer of relu6's and hard_sigmoid's kinks fall within it.
    GradcheckOptions conv = wide, conv_infer = infer;
    conv.eps = conv_infer.eps = 1e-3;
    c.push_back({"Activation_" + a, mk<Activation>(ActivationOptions{.activation = a}), {3, 3, 2}, wide});
    c.push_back({"Conv2D_" + a, mk<Conv2D>(Conv2DOptions{.filters = 3, .activation = a}), {4, 4, 2}, conv});
    c.push_back({"Conv2DInference_" + a, mk<Conv2D>(Conv2DOptions{.filters = 3, .activation = a}), {4, 4, 2}, conv_infer});
    c.push_back({"Dense_" + a, mk<Dense>(DenseOptions{.units = 4, .activation = a}), {5}, wide});
  }
  return c;
}

std::vector<GradCase> cases() {
  GradcheckOptions infer{.phase = Phase::Infer};
  GradcheckOptions bn{.batch = 4};
  bn.eps = 3e-3;
  GradcheckOptions relu6{.input_scale = 8.0f};
  std::vector<GradCase> c = activation_name_cases();
  std::vector<GradCase> more = {
      {"ReLU", mk<ReLU>(ReLUOptions{}), {3, 3, 2}},
      {"ReLU6", mk<ReLU>(ReLUOptions{.max_value = 6}), {3, 3, 2}, relu6},
      {"ReLUThresholdSlopeCap", mk<ReLU>(ReLUOptions{.max_value = 0.6f, .negative_slope = 0.2f, .threshold = 0.3f}),
       {3, 3, 2}},
      {"LeakyReLU", mk<LeakyReLU>(LeakyReLUOptions{}), {7}},
      {"LeakyReLUNegative", mk<LeakyReLU>(LeakyReLUOptions{.alpha = -0.5f}), {7}},
      {"ELU", mk<ELU>(ELUOptions{.alpha = 0.5f}), {2, 2, 3}},
      {"ELUNegativeAlpha", mk<ELU>(ELUOptions{.alpha = -0.5f}), {6}},
      {"PReLU", mk<PReLU>(PReLUOptions{.alpha_initializer = "glorot_uniform"}), {3, 3, 2}},
      {"PReLUSharedHW", mk<PReLU>(PReLUOptions{.alpha_initializer = "glorot_uniform", .shared_axes = {1, 2}}), {3, 3, 4}},
      {"PReLU1D", mk<PReLU>(PReLUOptions{.alpha_initializer = "glorot_uniform"}), {6}},
      {"SoftmaxLast", mk<Softmax>(SoftmaxOptions{}), {2, 2, 5}},
      {"SoftmaxAxis1", mk<Softmax>(SoftmaxOptions{.axis = 1}), {3, 2, 2}},
      {"SoftmaxSequenceAxis1", mk<Softmax>(SoftmaxOptions{.axis = 1}), {4, 3}},
      {"LayerNormLast", mk<LayerNormalization>(LayerNormalizationOptions{}), {2, 2, 5}},
      {"LayerNormHWC", mk<LayerNormalization>(LayerNormalizationOptions{.axis = {1, 2, 3}}), {2, 2, 3}},
      {"LayerNormH", mk<LayerNormalization>(LayerNormalizationOptions{.axis = {1}}), {3, 2, 2}},
      {"LayerNormHC", mk<LayerNormalization>(LayerNormalizationOptions{.axis = {1, 3}}), {3, 2, 2}},
      {"LayerNorm1D", mk<LayerNormalization>(LayerNormalizationOptions{}), {6}},
      {"LayerNormSequence", mk<LayerNormalization>(LayerNormalizationOptions{}), {3, 4}},
      {"LayerNormInference", mk<LayerNormalization>(LayerNormalizationOptions{.axis = {1}}), {3, 2, 2}, infer},
      {"SpatialDropout2DTrain", mk<SpatialDropout2D>(SpatialDropout2DOptions{.rate = 0.4f, .seed = 9}), {3, 3, 6}},
      {"GaussianNoiseTrain", mk<GaussianNoise>(GaussianNoiseOptions{.stddev = 0.3f, .seed = 9}), {3, 3, 2}},
      {"GaussianDropoutTrain", mk<GaussianDropout>(GaussianDropoutOptions{.rate = 0.3f, .seed = 9}), {3, 3, 2}},
      {"Rescaling", mk<Rescaling>(RescalingOptions{.scale = 0.5f, .offset = 0.25f}), {3, 3, 2}},
      {"ReshapeTo1D", mk<Reshape>(ReshapeOptions{.target_shape = {-1}}), {2, 3, 2}},
      {"ReshapeTo2D", mk<Reshape>(ReshapeOptions{.target_shape = {3, 4}}), {2, 3, 2}},
      {"Permute312", mk<Permute>(PermuteOptions{.dims = {3, 1, 2}}), {2, 3, 4}},
      {"Permute2D", mk<Permute>(PermuteOptions{.dims = {2, 1}}), {3, 4}},
      {"BatchNormAxis1Train", mk<BatchNormalization>(BatchNormalizationOptions{.axis = 1}), {3, 3, 2}, bn},
      {"BatchNormAxis2Train", mk<BatchNormalization>(BatchNormalizationOptions{.axis = 2}), {2, 3, 3}, bn},
      {"BatchNormSequenceAxis1", mk<BatchNormalization>(BatchNormalizationOptions{.axis = 1}), {3, 4}, bn},
      {"BatchNormAxis1Inference", mk<BatchNormalization>(BatchNormalizationOptions{.axis = 1}), {3, 3, 2}, infer},
  };
  c.insert(c.end(), more.begin(), more.end());
  return c;
}

class ActsGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(ActsGradient, MatchesFiniteDifferencesAndAddsIntoGrads) {
  const GradCase& c = GetParam();
  auto layer = c.make();
  layer->set_name("under_test");
  const auto res = testing::gradcheck(*layer, c.input, c.options);
  EXPECT_EQ(res.failure, "") << "worst: " << res.worst_where << " (ratio " << res.worst << ")";
  EXPECT_GT(res.checked, 0);
}

INSTANTIATE_TEST_SUITE_P(ActsLayers, ActsGradient, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace petal
