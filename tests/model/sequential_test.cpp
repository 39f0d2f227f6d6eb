// Sequential: naming, build, summary, errors, batch steps and reproducibility.
#include "petal/model/sequential.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/sgd.h"

namespace petal {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

Sequential small_cnn(uint64_t seed) {
  Sequential m({.seed = seed, .input_shape = {8, 8, 3}});
  m.add(Conv2D({.filters = 4, .padding = Padding::Same, .activation = "relu"}));
  m.add(BatchNormalization());
  m.add(MaxPooling2D());
  m.add(Dropout(0.25f));
  m.add(Flatten());
  m.add(Dense({.units = 3, .activation = "softmax"}));
  return m;
}

void fill_batch(Tensor& x, Tensor& y, uint64_t seed) {
  Rng rng(seed);
  const int64_t n = x.dim(0), k = y.dim(1);
  for (int64_t i = 0; i < n; ++i) {
    const auto c = static_cast<int64_t>(i % k);
    y.at({i, c}) = 1;
    for (int64_t j = 0; j < x.row_size(); ++j) {
      x[i * x.row_size() + j] = static_cast<float>(rng.uniform(-0.5, 0.5) + (j % 3 == c ? 1.0 : 0.0));
    }
  }
}

TEST(Sequential, KerasNamesAndMiniVGGNetSummaryTotals) {
  Sequential m = minivggnet({});
  const std::string s = m.summary();
  EXPECT_THAT(s, HasSubstr("conv2d_1 (Conv2D)            (None, 64, 64, 32)        896       \n"));
  EXPECT_THAT(s, HasSubstr("batch_normalization_1 (Batch (None, 64, 64, 32)        128       \n"));
  EXPECT_THAT(s, HasSubstr("flatten_1 (Flatten)          (None, 16384)             0         \n"));
  EXPECT_THAT(s, HasSubstr("dense_1 (Dense)              (None, 512)               8389120   \n"));
  EXPECT_THAT(s, HasSubstr("activation_6 (Activation)    (None, 17)                0         \n"));
  EXPECT_THAT(s, EndsWith("Total params: 8,466,225\nTrainable params: 8,464,817\nNon-trainable params: 1,408\n" +
                          std::string(65, '_') + "\n"));
  EXPECT_THAT(s, ::testing::StartsWith(std::string(65, '_') +
                                       "\nLayer (type)                 Output Shape              Param #   \n" +
                                       std::string(65, '=') + "\n"));
  EXPECT_EQ(m.count_params(), 8466225);
}

TEST(Sequential, ShapeErrorsNameTheLayerExpectedAndReceived) {
  Sequential m({.input_shape = {8, 8, 3}});
  m.add(Flatten());
  try {
    m.add(Conv2D({.filters = 2}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Conv2D(name='conv2d_1'): expected 3-D input per sample (H, W, C)"));
    EXPECT_THAT(e.what(), HasSubstr("received (None, 192)"));
  }
  Sequential d({.input_shape = {4, 4, 2}});
  try {
    d.add(Dense({.units = 3}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Dense(name='dense_1'): expected 1-D input per sample"));
    EXPECT_THAT(e.what(), HasSubstr("Hint: add a Flatten()"));
  }
  Sequential v({.input_shape = {2, 2, 1}});
  EXPECT_THROW(v.add(Conv2D({.filters = 1, .kernel_size = {3, 3}})), ShapeError);
}

TEST(Sequential, BadConfigurationsAndUsageThrowClearErrors) {
  EXPECT_THROW(Conv2D({.filters = 0}), ConfigError);
  EXPECT_THROW(Conv2D({.filters = 1, .activation = "swishy"}), ConfigError);
  EXPECT_THROW(Dense({.units = 3, .kernel_initializer = "orthogonal"}), ConfigError);
  EXPECT_THROW(Dropout(1.0f), ConfigError);
  EXPECT_THROW(BatchNormalization({.axis = 0}), ConfigError);
  Sequential m = small_cnn(1);
  Tensor x({2, 8, 8, 3}), y({2, 3});
  try {
    m.train_on_batch(x, y);
    FAIL();
  } catch (const StateError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not compiled"));
    EXPECT_THAT(e.what(), HasSubstr("Hint: call compile"));
  }
  m.compile(SGD(), "categorical_crossentropy", {"accuracy"});
  try {
    m.train_on_batch(Tensor({2, 8, 8, 1}), y);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expected inputs (None, 8, 8, 3); received [2, 8, 8, 1]"));
  }
  EXPECT_THROW(m.train_on_batch(x, Tensor({2, 4})), ShapeError);
  EXPECT_THROW(m.train_on_batch(x, y, Tensor({3})), ShapeError);
  EXPECT_THROW(m.add(Dense({.units = 2, .name = "dense_1"})), ConfigError);
}

TEST(Sequential, TrainOnBatchLearnsAndReportsMetricsByName) {
  Sequential m = small_cnn(2);
  m.compile(Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  EXPECT_EQ(m.metrics_names(), (std::vector<std::string>{"loss", "accuracy"}));
  Tensor x({12, 8, 8, 3}), y({12, 3});
  fill_batch(x, y, 5);
  const double first = m.train_on_batch(x, y).at("loss");
  Logs last;
  for (int i = 0; i < 30; ++i) last = m.train_on_batch(x, y);
  EXPECT_LT(last.at("loss"), first * 0.5);
  EXPECT_GT(last.at("accuracy"), 0.9);
  EXPECT_EQ(m.optimizer().iterations(), 31);
  const Logs t = m.test_on_batch(x, y);
  EXPECT_GT(t.at("accuracy"), 0.9);
  const Tensor p = m.predict_on_batch(x);
  EXPECT_EQ(p.shape(), (Shape{12, 3}));
  for (int64_t i = 0; i < 12; ++i) EXPECT_NEAR(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2], 1.0, 1e-5);
}

TEST(Sequential, SameSeedSameRunDifferentSeedDifferentRun) {
  auto run = [](uint64_t seed) {
    Sequential m = small_cnn(seed);
    m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy");
    Tensor x({6, 8, 8, 3}), y({6, 3});
    fill_batch(x, y, 1);
    for (int i = 0; i < 3; ++i) m.train_on_batch(x, y);
    return m.get_weights();
  };
  const auto a = run(3), b = run(3), c = run(4);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(max_abs_diff(a[i], b[i]), 0.0f) << i;
  EXPECT_GT(max_abs_diff(a[0], c[0]), 0.0f);
}

// Keras 2.2.4's weighting: class_weight equals the same per-sample weights; with
// both given, sample_weight wins (class_weight ignored); a class_weight missing a
// class of the data raises, naming the classes.
TEST(Sequential, ClassWeightFollowsKeras224) {
  Tensor x({6, 8, 8, 3}), y({6, 3});
  fill_batch(x, y, 2);
  Tensor sw({6});
  for (int i = 0; i < 6; ++i) sw[i] = i % 3 == 1 ? 3.0f : 1.0f;
  Sequential a = small_cnn(7), b = small_cnn(7), c = small_cnn(7), d = small_cnn(7), e = small_cnn(7);
  for (Sequential* m : {&a, &b, &c, &d, &e}) m->compile(SGD({.learning_rate = 0.1}), "categorical_crossentropy");
  const double la = a.train_on_batch(x, y, {}, {{0, 1.0}, {1, 3.0}, {2, 1.0}}).at("loss");
  const double lb = b.train_on_batch(x, y, sw).at("loss");
  const double lc = c.train_on_batch(x, y).at("loss");
  EXPECT_NEAR(la, lb, 1e-6);
  EXPECT_GT(std::fabs(la - lc), 1e-4);
  const auto wa = a.get_weights(), wb = b.get_weights();
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_LT(max_abs_diff(wa[i], wb[i]), 1e-6f);
  EXPECT_EQ(d.train_on_batch(x, y, sw, {{0, 5.0}, {1, 5.0}, {2, 0.5}}).at("loss"), lb);
  try {
    e.train_on_batch(x, y, {}, {{1, 3.0}});
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("the classes {0, 2} exist in the data but not in class_weight"),
              std::string::npos)
        << err.what();
  }
}

TEST(Sequential, GetSetWeightsUseKerasNamesAndShapes) {
  Sequential m = small_cnn(1);
  const auto names = m.weight_names();
  EXPECT_EQ(names[0], "conv2d_1/kernel:0");
  EXPECT_EQ(names[2], "batch_normalization_1/gamma:0");
  EXPECT_EQ(names[5], "batch_normalization_1/moving_variance:0");
  auto w = m.get_weights();
  EXPECT_EQ(w[0].shape(), (Shape{3, 3, 3, 4}));
  EXPECT_EQ(w[6].shape(), (Shape{64, 3}));
  w[0].fill(0.5f);
  m.set_weights(w);
  EXPECT_EQ(m.get_weights()[0][7], 0.5f);
  w.pop_back();
  EXPECT_THROW(m.set_weights(w), ShapeError);
}

TEST(Sequential, BuildsLazilyFromTheFirstBatch) {
  Sequential m;
  m.add(Dense({.units = 4, .activation = "relu"}));
  m.add(Dense({.units = 1, .activation = "sigmoid"}));
  EXPECT_FALSE(m.built());
  m.compile(SGD(), "binary_crossentropy", {"accuracy"});
  Tensor x({5, 3}), y({5, 1});
  const Logs l = m.train_on_batch(x, y);
  EXPECT_TRUE(m.built());
  EXPECT_EQ(m.input_shape(), (Shape{3}));
  EXPECT_TRUE(l.contains("accuracy"));
}

}  // namespace
}  // namespace petal

namespace petal {
namespace {

// Conv2D/Dense followed by an Activation layer run fused (post-op); a Dropout(0)
// in between prevents the fusion. Both must train identically.
TEST(Sequential, FusedActivationTrainsLikeTheUnfusedChain) {
  auto build = [](bool separate) {
    Sequential m({.seed = 9, .input_shape = {6, 6, 2}});
    m.add(Conv2D({.filters = 3, .padding = Padding::Same}));
    if (separate) m.add(Dropout(0.0f));
    m.add(Activation("relu"));
    m.add(Flatten());
    m.add(Dense({.units = 5}));
    if (separate) m.add(Dropout(0.0f));
    m.add(Activation("tanh"));
    m.add(Dense({.units = 3, .activation = "softmax"}));
    m.compile(SGD({.learning_rate = 0.1, .momentum = 0.9}), "categorical_crossentropy");
    return m;
  };
  Sequential fused = build(false), plain = build(true);
  plain.set_weights(fused.get_weights());  // Dropout draws from the seed at build
  Tensor x({4, 6, 6, 2}), y({4, 3});
  fill_batch(x, y, 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(fused.train_on_batch(x, y).at("loss"), plain.train_on_batch(x, y).at("loss"), 1e-5);
  }
  const auto a = fused.get_weights(), b = plain.get_weights();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_LT(max_abs_diff(a[i], b[i]), 1e-5f) << i;
}

}  // namespace
}  // namespace petal
