// Keras's fit rules: validation_split, epochs as final index, sample-weighted
// epoch means, class weights, partial batches, evaluate/predict, progress bar.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <sstream>

#include "petal/callbacks/lambda_callback.h"
#include "petal/callbacks/progbar_logger.h"
#include "petal/core/error.h"
#include "petal/layers/dense.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

TEST(Fit, ValidationSplitTakesTheLastFractionBeforeShuffling) {
  // x_i = e_i and no bias: kernel row i moves only if sample i was trained on.
  const int64_t n = 8;
  Tensor x({n, n}), y({n, 2});
  for (int64_t i = 0; i < n; ++i) {
    x.at({i, i}) = 1;
    y.at({i, i % 2}) = 1;
  }
  Sequential m({.seed = 1, .input_shape = {n}});
  m.add(Dense({.units = 2, .activation = "softmax", .use_bias = false}));
  m.compile(SGD({.learning_rate = 0.5}), "categorical_crossentropy", {"accuracy"});
  const Tensor before = m.get_weights()[0];
  const History h = m.fit(x, y, {.batch_size = 2, .epochs = 1, .verbose = 0, .validation_split = 0.25});
  const Tensor after = m.get_weights()[0];
  for (int64_t i = 0; i < n; ++i) {
    const bool moved = after.at({i, 0}) != before.at({i, 0});
    EXPECT_EQ(moved, i < 6) << "row " << i;
  }
  const Logs val = m.evaluate(x.slice(6, 8), y.slice(6, 8), {.batch_size = 2});
  EXPECT_NEAR(h.at("val_loss")[0], val.at("loss"), 1e-6);
  EXPECT_NEAR(h.at("val_accuracy")[0], val.at("accuracy"), 1e-9);
}

// Keras 2.2.4 announces array validation at verbose >= 1, and only then.
TEST(Fit, AnnouncesTrainAndValidationSamples) {
  testing::ToyData d = testing::toy_data(10, 3);
  Sequential a = testing::toy_model(3), b = testing::toy_model(3);
  ::testing::internal::CaptureStdout();
  a.fit(d.x, d.y, {.batch_size = 4, .verbose = 2, .validation_split = 0.2});
  const std::string verbose = ::testing::internal::GetCapturedStdout();
  ::testing::internal::CaptureStdout();
  b.fit(d.x, d.y, {.batch_size = 4, .verbose = 0, .validation_split = 0.2});
  const std::string quiet = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(verbose.rfind("Train on 8 samples, validate on 2 samples\n", 0), 0u) << verbose;
  EXPECT_EQ(quiet.find("Train on"), std::string::npos) << quiet;
}

TEST(Fit, EpochsIsTheIndexOfTheFinalEpoch) {
  testing::ToyData d = testing::toy_data(10, 1);
  Sequential m = testing::toy_model(1);
  const History h = m.fit(d.x, d.y, {.batch_size = 4, .epochs = 3, .verbose = 0, .initial_epoch = 1});
  EXPECT_EQ(h.epoch, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(m.optimizer().iterations(), 2 * 3);  // 2 epochs x ceil(10 / 4) batches
  EXPECT_EQ(m.epochs_completed(), 3);
  EXPECT_THROW(m.fit(d.x, d.y, {.epochs = 1, .verbose = 0, .initial_epoch = 2}), ConfigError);
}

TEST(Fit, EpochMetricsAreSampleWeightedMeansOfBatchValues) {
  testing::ToyData d = testing::toy_data(7, 2);
  Sequential m = testing::toy_model(2);
  std::vector<std::pair<double, double>> batches;  // (loss, size)
  auto record = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_batch_end = [&](int64_t, Logs& l) { batches.emplace_back(l.at("loss"), l.at("size")); }});
  const History h = m.fit(d.x, d.y, {.batch_size = 3, .epochs = 1, .verbose = 0, .callbacks = {record}});
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2].second, 1.0);  // the last batch is partial
  double sum = 0;
  for (auto [l, s] : batches) sum += l * s;
  EXPECT_NEAR(h.at("loss")[0], sum / 7.0, 1e-9);
}

TEST(Fit, ShuffleReordersEachEpochFromTheSeed) {
  testing::ToyData d = testing::toy_data(12, 3);
  auto run = [&](bool shuffle, uint64_t seed) {
    Sequential m = testing::toy_model(3);
    std::vector<double> losses;
    auto rec = std::make_shared<LambdaCallback>(
        LambdaCallbackOptions{.on_batch_end = [&](int64_t, Logs& l) { losses.push_back(l.at("loss")); }});
    m.fit(d.x, d.y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {rec}, .shuffle = shuffle, .seed = seed});
    return losses;
  };
  EXPECT_EQ(run(true, 5), run(true, 5));
  EXPECT_NE(run(true, 5), run(true, 6));
  EXPECT_NE(run(true, 5), run(false, 5));
}

TEST(Fit, ClassWeightScalesTheLossLikeSampleWeight) {
  testing::ToyData d = testing::toy_data(6, 4);
  Tensor sw({6});
  for (int64_t i = 0; i < 6; ++i) sw[i] = d.labels[i] == 1 ? 4.0f : 1.0f;
  Sequential a = testing::toy_model(4), b = testing::toy_model(4);
  const History ha = a.fit(d.x, d.y, {.batch_size = 6, .verbose = 0, .shuffle = false,
                                      .class_weight = {{0, 1.0}, {1, 4.0}, {2, 1.0}}});
  const History hb = b.fit(d.x, d.y, {.batch_size = 6, .verbose = 0, .shuffle = false, .sample_weight = sw});
  EXPECT_NEAR(ha.at("loss")[0], hb.at("loss")[0], 1e-6);
}

TEST(EvaluatePredict, PartialLastBatchAndInferenceMode) {
  testing::ToyData d = testing::toy_data(10, 5);
  Sequential m = testing::toy_model(5);
  const Tensor all = m.predict_on_batch(d.x);
  const Tensor p = m.predict(d.x, 4);
  ASSERT_EQ(p.shape(), all.shape());
  EXPECT_LT(max_abs_diff(p, all), 1e-5f);
  const Logs e = m.evaluate(d.x, d.y, {.batch_size = 4});
  const Logs whole = m.test_on_batch(d.x, d.y);
  EXPECT_NEAR(e.at("loss"), whole.at("loss"), 1e-5);
  EXPECT_NEAR(e.at("accuracy"), whole.at("accuracy"), 1e-9);
  EXPECT_THROW(m.evaluate(d.x, d.y.slice(0, 9)), ShapeError);
}

TEST(Progbar, KerasFormatOneLinePerUpdateWhenNotATerminal) {
  std::ostringstream out;
  ProgbarLogger logger({.count_steps = true, .out = &out, .dynamic = 0});
  logger.set_params({.epochs = 75, .steps = 2, .verbose = 1, .metrics = {"loss", "accuracy", "val_loss"}});
  Logs none;
  logger.on_train_begin(none);
  logger.on_epoch_begin(0, none);
  Logs b0{{"batch", 0}, {"size", 32}, {"loss", 3.5}, {"accuracy", 0.125}};
  logger.on_train_batch_end(0, b0);
  Logs b1{{"batch", 1}, {"size", 32}, {"loss", 3.0}, {"accuracy", 0.25}};
  logger.on_train_batch_end(1, b1);
  Logs epoch{{"loss", 3.25}, {"accuracy", 0.1875}, {"val_loss", 1828.6441}};
  logger.on_epoch_end(0, epoch);
  EXPECT_TRUE(std::regex_match(out.str(), std::regex(R"(Epoch 1/75\n1/2 \[==============>...............\] - ETA: 0s - loss: 3\.5000 - accuracy: 0\.1250\n2/2 \[==============================\] - 0s \d+[mu]?s/step - loss: 3\.2500 - accuracy: 0\.1875 - val_loss: 1828\.6441\n)")))
      << out.str();
  Progbar p(4, 1, out, false);
  out.str("");
  p.update(2, {{"loss", 0.5}});
  p.update(4, {{"loss", 0.25}}, {{"loss", 0.375}, {"val_loss", 1828.6441}});
  const std::string s = out.str();
  EXPECT_THAT(s, HasSubstr("2/4 [==============>...............] - ETA: 0s - loss: 0.5000\n"));
  EXPECT_TRUE(std::regex_search(s, std::regex(R"(4/4 \[==============================\] - 0s \d+[mu]?s/step - loss: 0\.3750 - val_loss: 1828\.6441\n)")))
      << s;
  Progbar small(3, 1, out, false);
  out.str("");
  small.update(3, {}, {{"loss", 0.0001}});
  EXPECT_THAT(out.str(), HasSubstr("loss: 1.0000e-04"));
}

TEST(Progbar, VerboseTwoPrintsOneLinePerEpoch) {
  std::ostringstream out;
  Progbar p(4, 2, out, false);
  p.update(2, {{"loss", 0.5}});
  EXPECT_EQ(out.str(), "");
  p.update(4, {}, {{"loss", 0.5}, {"accuracy", 0.75}});
  EXPECT_TRUE(std::regex_match(out.str(), std::regex(R"( - \d+s - loss: 0\.5000 - accuracy: 0\.7500\n)"))) << out.str();
}

}  // namespace
}  // namespace petal
