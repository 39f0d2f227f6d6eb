// Built-in callbacks against Keras 2.2.4's rules, driven through fit with
// scripted monitored values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

#include "petal/model/sequential.h"
#include "petal/callbacks/csv_logger.h"
#include "petal/callbacks/early_stopping.h"
#include "petal/callbacks/lambda_callback.h"
#include "petal/callbacks/learning_rate_scheduler.h"
#include "petal/callbacks/model_checkpoint.h"
#include "petal/callbacks/reduce_lr_on_plateau.h"
#include "petal/core/error.h"
#include "petal/layers/dense.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

// Overwrites logs[name] at each epoch end with the next scripted value (runs
// before the callbacks under test, as they come later in the list).
CallbackPtr script(const std::string& name, std::vector<double> values) {
  auto i = std::make_shared<size_t>(0);
  return std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [=](int64_t, Logs& l) {
    l.set(name, values[std::min(*i, values.size() - 1)]);
    ++*i;
  }});
}

TEST(EarlyStopping, StopsAfterPatienceAndRestoresBestWeights) {
  testing::ToyData d = testing::toy_data(8, 1);
  Sequential m = testing::toy_model(1);
  std::vector<std::vector<Tensor>> snapshots;
  auto snap = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_epoch_end = [&](int64_t, Logs&) { snapshots.push_back(m.get_weights()); }});
  auto es = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 2, .restore_best_weights = true});
  const History h = m.fit(d.x, d.y, {.batch_size = 4, .epochs = 10, .verbose = 0,
                                     .callbacks = {script("val_loss", {1.0, 0.5, 0.7, 0.6, 0.1}), snap, es}});
  EXPECT_EQ(h.epoch.size(), 4u);  // epochs 0..3: best at 1, no improvement at 2 and 3
  EXPECT_EQ(es->stopped_epoch(), 3);
  EXPECT_EQ(es->best(), 0.5);
  const auto w = m.get_weights();
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(max_abs_diff(w[i], snapshots[1][i]), 0.0f);
}

TEST(EarlyStopping, MinDeltaAndBaselineAndMaxMode) {
  testing::ToyData d = testing::toy_data(8, 2);
  Sequential m = testing::toy_model(2);
  auto es = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "val_acc", .min_delta = 0.1, .patience = 1});
  const History h = m.fit(d.x, d.y, {.batch_size = 8, .epochs = 10, .verbose = 0,
                                     .callbacks = {script("val_acc", {0.5, 0.55, 0.9}), es}});
  EXPECT_EQ(h.epoch.size(), 2u);  // 0.55 is not 0.1 better than 0.5 (mode auto -> max for acc)
  auto base = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 1, .baseline = 0.2});
  Sequential m2 = testing::toy_model(2);
  const History h2 = m2.fit(d.x, d.y, {.batch_size = 8, .epochs = 10, .verbose = 0,
                                       .callbacks = {script("val_loss", {0.5, 0.4}), base}});
  EXPECT_EQ(h2.epoch.size(), 1u);  // never beats the baseline
}

TEST(ReduceLROnPlateau, ReducesAfterPatienceWithCooldownAndFloor) {
  testing::ToyData d = testing::toy_data(8, 3);
  Sequential m = testing::toy_model(3);
  auto r = std::make_shared<ReduceLROnPlateau>(
      ReduceLROnPlateauOptions{.factor = 0.5, .patience = 1, .cooldown = 1, .min_lr = 0.03});
  const History h = m.fit(d.x, d.y, {.batch_size = 8, .epochs = 6, .verbose = 0,
                                     .callbacks = {script("val_loss", {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}), r}});
  // lr logged at each epoch end before any reduction of that epoch.
  const std::vector<double> expected{0.1, 0.1, 0.05, 0.03, 0.03, 0.03};
  ASSERT_EQ(h.at("lr").size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(h.at("lr")[i], expected[i], 1e-12) << i;
  EXPECT_THROW(ReduceLROnPlateau({.factor = 1.5}), ConfigError);
}

TEST(LearningRateScheduler, SetsTheRateEachEpochAndLogsIt) {
  testing::ToyData d = testing::toy_data(8, 4);
  Sequential m = testing::toy_model(4);
  auto s = std::make_shared<LearningRateScheduler>([](int64_t epoch, double) { return 0.1 / (epoch + 1); });
  const History h = m.fit(d.x, d.y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {s}});
  EXPECT_NEAR(h.at("lr")[2], 0.1 / 3, 1e-12);
  EXPECT_NEAR(m.optimizer().learning_rate(), 0.1 / 3, 1e-12);
}

TEST(CSVLogger, SortedColumnsOneRowPerEpochAndNAAfterEarlyStop) {
  testing::TempDir dir;
  testing::ToyData d = testing::toy_data(8, 5);
  Sequential m = testing::toy_model(5);
  const auto path = dir.path() / "log.csv";
  auto stop = std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [&](int64_t e, Logs& l) {
    if (e == 1) {
      l.erase("val_loss");
      m.stop_training = true;
    }
  }});
  m.fit(d.x, d.y, {.batch_size = 4, .epochs = 5, .verbose = 0,
                   .callbacks = {stop, std::make_shared<CSVLogger>(path)},
                   .validation_data = ValidationData{d.x, d.y}});
  std::ifstream in(path);
  std::string header, row0, row1, extra;
  std::getline(in, header);
  std::getline(in, row0);
  std::getline(in, row1);
  EXPECT_EQ(header, "epoch,accuracy,loss,val_accuracy,val_loss");
  EXPECT_THAT(row0, ::testing::StartsWith("0,"));
  EXPECT_THAT(row1, ::testing::EndsWith(",NA"));
  EXPECT_FALSE(std::getline(in, extra));
  // append=true keeps the rows and writes no second header.
  Sequential m2 = testing::toy_model(5);
  m2.fit(d.x, d.y, {.batch_size = 8, .epochs = 1, .verbose = 0, .callbacks = {std::make_shared<CSVLogger>(path, ',', true)}});
  std::ifstream again(path);
  int lines = 0;
  for (std::string l; std::getline(again, l);) ++lines;
  EXPECT_EQ(lines, 4);
}

TEST(TerminateOnNaN, StopsOnAForcedNaN) {
  testing::ToyData d = testing::toy_data(8, 6);
  Sequential m = testing::toy_model(6);
  // After the first batch, poison one weight of the output layer: batch 1's loss is NaN.
  auto poison = std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_batch_end = [&](int64_t b, Logs&) {
    if (b == 0) m.params().back()->value[0] = std::nanf("");
  }});
  ::testing::internal::CaptureStdout();
  const History h = m.fit(d.x, d.y, {.batch_size = 4, .epochs = 3, .verbose = 0,
                                     .callbacks = {poison, std::make_shared<TerminateOnNaN>()}});
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("Batch 1: Invalid loss, terminating training"));
  EXPECT_EQ(m.optimizer().iterations(), 2);
  EXPECT_EQ(h.epoch.size(), 1u);
}

// Keras computes the loss in float32: one beyond float's range is inf there and
// stops training, although petal's double sum is still finite.
TEST(TerminateOnNaN, StopsWhenTheLossOverflowsFloat) {
  testing::ToyData d = testing::toy_data(8, 6);
  Sequential m({.seed = 6, .input_shape = {d.x.dim(1)}});
  m.add(Dense({.units = 3}));
  m.compile(SGD({.learning_rate = 0.0}), "mse");
  auto poison = std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_batch_end = [&](int64_t b, Logs&) {
    if (b == 0) m.params()[0]->value.fill(1e21f);
  }});
  std::optional<double> loss;
  auto record = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_batch_end = [&](int64_t b, Logs& l) { if (b == 1) loss = l.get("loss"); }});
  ::testing::internal::CaptureStdout();
  m.fit(d.x, d.y, {.batch_size = 4, .epochs = 3, .verbose = 0,
                   .callbacks = {poison, record, std::make_shared<TerminateOnNaN>()}});
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(loss.has_value());
  EXPECT_GT(*loss, std::numeric_limits<float>::max());
  EXPECT_THAT(out, HasSubstr("Batch 1: Invalid loss, terminating training"));
  EXPECT_EQ(m.optimizer().iterations(), 2);
}

TEST(ModelCheckpoint, FilePathTemplates) {
  const Logs logs{{"loss", 0.123456}, {"val_loss", 1.98765}};
  EXPECT_EQ(format_filepath("weights.{epoch:02d}-{val_loss:.2f}.npz", 3, logs), "weights.03-1.99.npz");
  EXPECT_EQ(format_filepath("m{epoch}_{loss:.4f}{{x}}", 12, logs), "m12_0.1235{x}");
  try {
    format_filepath("w.{val_acc:.2f}", 1, logs);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("{val_acc}"));
    EXPECT_THAT(e.what(), HasSubstr("available: epoch, loss, val_loss"));
  }
}

TEST(ModelCheckpoint, SaveBestOnlyWritesOnImprovement) {
  testing::TempDir dir;
  testing::ToyData d = testing::toy_data(8, 7);
  Sequential m = testing::toy_model(7);
  auto ck = std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{
      .filepath = (dir.path() / "w.{epoch:02d}-{val_loss:.2f}.npz").string(), .save_best_only = true,
      .save_weights_only = true});
  m.fit(d.x, d.y, {.batch_size = 8, .epochs = 4, .verbose = 0, .callbacks = {script("val_loss", {0.9, 0.5, 0.7, 0.4}), ck}});
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"w.01-0.90.npz", "w.02-0.50.npz", "w.04-0.40.npz"}));
  Sequential other = testing::toy_model(99);
  other.load_weights(dir.path() / "w.04-0.40.npz");
  const auto a = other.get_weights(), b = m.get_weights();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(max_abs_diff(a[i], b[i]), 0.0f);
}

}  // namespace
}  // namespace petal
