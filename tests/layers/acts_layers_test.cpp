// The activation, normalisation, noise and reshaping layers: output shapes and
// parameter counts by Keras's formulas, bad arguments and shapes throw naming
// the layer, and a model file round trip with Keras's weight names and shapes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "petal/core/error.h"
#include "petal/io/npz.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/layer_normalization.h"
#include "petal/layers/noise_layers.h"
#include "petal/layers/rescaling.h"
#include "petal/layers/reshaping.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

struct ShapeCase {
  std::function<std::unique_ptr<Layer>()> make;
  Shape input, output;
  int64_t params, trainable;
};

template <typename L, typename O>
std::function<std::unique_ptr<Layer>()> mk(O options) {
  return [=] { return std::make_unique<L>(options); };
}

// Output shapes by Keras's compute_output_shape; parameter counts by its
// build(): PReLU's alpha is the input shape with shared axes 1; LayerNormalization
// has gamma and beta of the normalised axes' shape; BatchNormalization four
// vectors of the axis's length, two of them non-trainable.
TEST(ActsLayers, OutputShapesAndParameterCountsFollowKeras) {
  const Shape in{4, 5, 6};
  const std::vector<ShapeCase> cases = {
      {mk<ReLU>(ReLUOptions{.max_value = 6}), in, in, 0, 0},
      {mk<LeakyReLU>(LeakyReLUOptions{}), in, in, 0, 0},
      {mk<ELU>(ELUOptions{}), in, in, 0, 0},
      {mk<Softmax>(SoftmaxOptions{.axis = 1}), in, in, 0, 0},
      {mk<PReLU>(PReLUOptions{}), in, in, 120, 120},
      {mk<PReLU>(PReLUOptions{.shared_axes = {1, 2}}), in, in, 6, 6},
      {mk<PReLU>(PReLUOptions{.shared_axes = {1, 2, 3}}), in, in, 1, 1},
      {mk<PReLU>(PReLUOptions{}), {10}, {10}, 10, 10},
      {mk<LayerNormalization>(LayerNormalizationOptions{}), in, in, 12, 12},
      {mk<LayerNormalization>(LayerNormalizationOptions{.axis = {1, 2, 3}}), in, in, 240, 240},
      {mk<LayerNormalization>(LayerNormalizationOptions{.axis = {1, -1}, .center = false}), in, in, 24, 24},
      {mk<BatchNormalization>(BatchNormalizationOptions{.axis = 1}), in, in, 16, 8},
      {mk<BatchNormalization>(BatchNormalizationOptions{.axis = -2}), in, in, 20, 10},
      {mk<SpatialDropout2D>(SpatialDropout2DOptions{.rate = 0.2f}), in, in, 0, 0},
      {mk<GaussianNoise>(GaussianNoiseOptions{.stddev = 0.1f}), in, in, 0, 0},
      {mk<GaussianDropout>(GaussianDropoutOptions{.rate = 0.1f}), in, in, 0, 0},
      {mk<Rescaling>(RescalingOptions{.scale = 2.0f}), in, in, 0, 0},
      {mk<Reshape>(ReshapeOptions{.target_shape = {-1, 6}}), in, {20, 6}, 0, 0},
      {mk<Reshape>(ReshapeOptions{.target_shape = {2, -1, 3}}), in, {2, 20, 3}, 0, 0},
      {mk<Reshape>(ReshapeOptions{.target_shape = {120}}), in, {120}, 0, 0},
      {mk<Permute>(PermuteOptions{.dims = {3, 1, 2}}), in, {6, 4, 5}, 0, 0},
      {mk<Permute>(PermuteOptions{.dims = {2, 1}}), {7, 3}, {3, 7}, 0, 0},
      // Sequence-shaped (T, C) inputs, which Reshape can now produce.
      {mk<Dropout>(DropoutOptions{.rate = 0.5f}), {7, 3}, {7, 3}, 0, 0},
      {mk<Flatten>(FlattenOptions{}), {7, 3}, {21}, 0, 0},
      {mk<Activation>(ActivationOptions{.activation = "gelu"}), {7, 3}, {7, 3}, 0, 0},
  };
  for (const ShapeCase& c : cases) {
    auto layer = c.make();
    layer->set_name("x");
    Rng rng(1);
    SCOPED_TRACE(layer->type());
    EXPECT_EQ(layer->build(c.input, rng), c.output);
    EXPECT_EQ(layer->count_params(), c.params);
    EXPECT_EQ(layer->count_trainable_params(), c.trainable);
  }
}

// Throws E with every fragment in its message.
template <typename E>
void expect_error(const std::function<void()>& f, std::vector<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one with " << fragments[0];
  } catch (const E& e) {
    for (const auto& s : fragments) EXPECT_THAT(e.what(), HasSubstr(s));
  }
}

template <typename L, typename O>
void build_named(O options, const Shape& in) {
  options.name = "x";
  L layer(options);
  Rng rng(1);
  layer.build(in, rng);
}

TEST(ActsLayers, BadArgumentsThrowConfigErrorsNamingTheLayer) {
  expect_error<ConfigError>([] { ReLU({.max_value = -1, .name = "x"}); }, {"ReLU(name='x')", "max_value"});
  expect_error<ConfigError>([] { ReLU({.negative_slope = -1, .name = "x"}); }, {"ReLU(name='x')", "negative_slope"});
  expect_error<ConfigError>([] { ReLU({.threshold = -1, .name = "x"}); }, {"ReLU(name='x')", "threshold"});
  expect_error<ConfigError>([] { PReLU({.shared_axes = {0}, .name = "x"}); }, {"PReLU(name='x')", "shared_axes"});
  expect_error<ConfigError>([] { PReLU({.alpha_initializer = "bogus", .name = "x"}); }, {"bogus"});
  expect_error<ConfigError>([] { LayerNormalization({.axis = {}, .name = "x"}); }, {"LayerNormalization(name='x')"});
  expect_error<ConfigError>([] { LayerNormalization({.epsilon = 0, .name = "x"}); }, {"epsilon"});
  expect_error<ConfigError>([] { SpatialDropout2D({.rate = 1.0f, .name = "x"}); }, {"SpatialDropout2D(name='x')", "rate"});
  expect_error<ConfigError>([] { SpatialDropout2D({.data_format = "channels_first", .name = "x"}); },
                            {"SpatialDropout2D(name='x')", "channels_last", "channels_first"});
  expect_error<ConfigError>([] { GaussianNoise({.stddev = -1, .name = "x"}); }, {"GaussianNoise(name='x')", "stddev"});
  expect_error<ConfigError>([] { GaussianDropout({.rate = 1.5f, .name = "x"}); }, {"GaussianDropout(name='x')"});
  expect_error<ConfigError>([] { Reshape({.target_shape = {-1, -1}, .name = "x"}); },
                            {"Reshape(name='x')", "at most one unknown dimension"});
  expect_error<ConfigError>([] { Reshape({.target_shape = {0, 3}, .name = "x"}); }, {"Reshape(name='x')"});
  expect_error<ConfigError>([] { Permute({.dims = {1, 1}, .name = "x"}); },
                            {"Permute(name='x')", "consecutive and start from 1", "[1, 1]"});
  expect_error<ConfigError>([] { Permute({.dims = {2, 3}, .name = "x"}); }, {"Permute(name='x')"});
  expect_error<ConfigError>([] { BatchNormalization({.axis = 0, .name = "x"}); }, {"BatchNormalization(name='x')"});
  expect_error<ConfigError>([] { Activation("swishy"); }, {"swishy", "relu6", "silu", "hard_sigmoid", "gelu"});
}

TEST(ActsLayers, BadShapesThrowShapeErrorsNamingTheLayer) {
  expect_error<ShapeError>([] { build_named<PReLU>(PReLUOptions{.shared_axes = {4}}, {2, 3, 4}); },
                           {"PReLU(name='x')", "shared_axes=[4]"});
  expect_error<ShapeError>([] { build_named<Softmax>(SoftmaxOptions{.axis = 4}, {2, 3, 4}); },
                           {"Softmax(name='x')", "axis=4"});
  expect_error<ShapeError>([] { build_named<Softmax>(SoftmaxOptions{.axis = 0}, {2, 3, 4}); }, {"not the batch axis"});
  expect_error<ShapeError>(
      [] { build_named<LayerNormalization>(LayerNormalizationOptions{.axis = {3, 1}}, {2, 3, 4}); },
      {"LayerNormalization(name='x')", "increasing order", "Hint:", "axis=[3, 1]"});
  expect_error<ShapeError>([] { build_named<LayerNormalization>(LayerNormalizationOptions{.axis = {0}}, {2, 3}); },
                           {"LayerNormalization(name='x')", "axis=[0]"});
  expect_error<ShapeError>([] { build_named<SpatialDropout2D>(SpatialDropout2DOptions{}, {12}); },
                           {"SpatialDropout2D(name='x')", "(H, W, C)", "(None, 12)"});
  expect_error<ShapeError>([] { build_named<Reshape>(ReshapeOptions{.target_shape = {7}}, {2, 3}); },
                           {"Reshape(name='x')", "total size of new array must be unchanged", "(None, 2, 3)", "[7]"});
  expect_error<ShapeError>([] { build_named<Reshape>(ReshapeOptions{.target_shape = {-1, 4}}, {2, 3}); },
                           {"Reshape(name='x')", "total size"});
  expect_error<ShapeError>([] { build_named<Permute>(PermuteOptions{.dims = {2, 1}}, {2, 3, 4}); },
                           {"Permute(name='x')", "rank 2", "(None, 2, 3, 4)"});
  expect_error<ShapeError>([] { build_named<BatchNormalization>(BatchNormalizationOptions{.axis = 4}, {2, 3, 4}); },
                           {"BatchNormalization(name='x')", "axis=4"});
  expect_error<ShapeError>([] { build_named<ReLU>(ReLUOptions{}, {2, 3, 4, 5}); }, {"ReLU(name='x')", "rank 1 to 3"});
}

// Every new layer in one model: trained, saved, reloaded, and readable as a
// NumPy archive with Keras's names and shapes.
Sequential zoo_of_layers(uint64_t seed) {
  Sequential m({.seed = seed, .input_shape = {6, 6, 3}});
  m.add(Rescaling({.scale = 1.0f / 255}));
  m.add(Conv2D({.filters = 8, .padding = Padding::Same, .activation = "relu6"}));
  m.add(BatchNormalization({.axis = 1}));
  m.add(PReLU({.shared_axes = {1, 2}}));
  m.add(Conv2D({.filters = 8, .padding = Padding::Same}));
  m.add(Activation("swish"));
  m.add(ReLU({.max_value = 6}));
  m.add(SpatialDropout2D(0.2f));
  m.add(LeakyReLU());
  m.add(GaussianNoise(0.1f));
  m.add(ELU({.alpha = 0.5f}));
  m.add(GaussianDropout(0.1f));
  m.add(LayerNormalization());
  m.add(Permute({.dims = {2, 1, 3}}));
  m.add(Reshape({.target_shape = {-1, 8}}));
  m.add(LayerNormalization({.axis = {1, 2}}));
  m.add(Flatten());
  m.add(Dense({.units = 6, .activation = "gelu"}));
  m.add(Dense({.units = 3, .activation = "hard_sigmoid"}));
  m.add(Dense({.units = 3}));
  m.add(Softmax());
  m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  return m;
}

TEST(ActsLayers, ModelFileRoundTripKeepsLayersAndKerasWeightNames) {
  testing::TempDir dir;
  Rng rng(3);
  Tensor x({12, 6, 6, 3}), y({12, 3});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(0, 255));
  for (int64_t i = 0; i < 12; ++i) y.at({i, i % 3}) = 1;
  Sequential m = zoo_of_layers(1);
  m.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0});
  m.save(dir.path() / "m.petal");
  Model r = load_model(dir.path() / "m.petal");
  EXPECT_EQ(r.summary(), m.summary());
  const auto wa = m.get_weights(), wb = r.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_EQ(max_abs_diff(wa[i], wb[i]), 0.0f) << m.weight_names()[i];
  EXPECT_LT(max_abs_diff(r.predict(x), m.predict(x)), 1e-6f);
  // One more step from the reloaded model equals one from the original.
  m.train_on_batch(x, y);
  r.train_on_batch(x, y);
  EXPECT_LT(max_abs_diff(r.predict(x), m.predict(x)), 1e-6f);

  const NamedArrays arrays = load_npz(dir.path() / "m.petal");
  auto shape_of = [&](const std::string& k) { return find_array(arrays, k, "test").shape(); };
  EXPECT_EQ(shape_of("p_re_lu_1/alpha:0"), (Shape{1, 1, 8}));
  EXPECT_EQ(shape_of("batch_normalization_1/gamma:0"), (Shape{6}));
  EXPECT_EQ(shape_of("batch_normalization_1/moving_variance:0"), (Shape{6}));
  EXPECT_EQ(shape_of("layer_normalization_1/gamma:0"), (Shape{8}));
  EXPECT_EQ(shape_of("layer_normalization_2/beta:0"), (Shape{36, 8}));
  EXPECT_EQ(shape_of("dense_1/kernel:0"), (Shape{288, 6}));
  EXPECT_THAT(m.summary(), HasSubstr("re_lu_1 (ReLU)"));
  EXPECT_THAT(m.summary(), HasSubstr("leaky_re_lu_1 (LeakyReLU)"));
  EXPECT_THAT(m.summary(), HasSubstr("spatial_dropout2d_1 (Spatial"));
  EXPECT_THAT(m.summary(), HasSubstr("(None, 36, 8)"));
}

}  // namespace
}  // namespace petal
