// CosineDecay and OneCycle: the formulas (Keras 3's CosineDecay with warm-up;
// OneCycle against PyTorch is in model/recipe_torch_parity_test.cpp), the rate
// set before each batch or at each epoch's start, and resume: the rate is a
// function of the global step, so a run resumed at epoch 2 gets the same rates
// and weights as one that never stopped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "petal/callbacks/lambda_callback.h"
#include "petal/callbacks/lr_schedules.h"
#include "petal/core/error.h"
#include "petal/model/sequential.h"
#include "testing/fixtures.h"

namespace petal {
namespace {

// petal's cosine before the schedule callbacks existed (trainer.cpp, per epoch).
double earlier_cosine(double base, int64_t epoch, int64_t epochs) {
  return 0.5 * base * (1.0 + std::cos(std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(epochs)));
}

TEST(CosineDecay, PerEpochWithoutFloorGivesTheEarlierRecipeBits) {
  for (const double base : {0.05, 0.01, 0.1234}) {
    const CosineDecay cosine({.initial_learning_rate = base, .decay_steps = 100, .unit = ScheduleUnit::Epoch});
    for (int64_t e = 0; e < 100; ++e) EXPECT_EQ(cosine(e), earlier_cosine(base, e, 100)) << base << " epoch " << e;
  }
}

TEST(CosineDecay, WarmUpThenDecayToTheFloorAsKeras3) {
  const double init = 0.001, target = 0.1, alpha = 0.1;
  const CosineDecay cosine({.initial_learning_rate = init, .decay_steps = 10, .alpha = alpha, .warmup_target = target,
                            .warmup_steps = 5});
  for (int64_t s = 0; s < 5; ++s) EXPECT_NEAR(cosine(s), init + (target - init) * s / 5.0, 1e-15) << s;
  for (int64_t s = 5; s <= 15; ++s) {
    const double frac = (s - 5) / 10.0;
    EXPECT_NEAR(cosine(s), target * ((1 - alpha) * 0.5 * (1 + std::cos(std::numbers::pi * frac)) + alpha), 1e-15) << s;
  }
  EXPECT_NEAR(cosine(15), target * alpha, 1e-15);
  EXPECT_EQ(cosine(40), cosine(15));  // held at the floor
  const CosineDecay plain({.initial_learning_rate = 0.2, .decay_steps = 4, .warmup_steps = 3});  // no target: no warm-up
  EXPECT_EQ(plain(0), 0.2);
}

TEST(LrSchedules, BadOptionsAreRefused) {
  EXPECT_THROW(CosineDecay({.decay_steps = 0}), ConfigError);
  EXPECT_THROW(CosineDecay({.decay_steps = 5, .alpha = 1.5}), ConfigError);
  EXPECT_THROW(CosineDecay({.initial_learning_rate = -1, .decay_steps = 5}), ConfigError);
  EXPECT_THROW(OneCycle({.total_steps = 0}), ConfigError);
  EXPECT_THROW(OneCycle({.total_steps = 5, .pct_start = 2}), ConfigError);
  EXPECT_THROW(OneCycle({.total_steps = 5, .div_factor = 0}), ConfigError);
}

// Rates the optimizer held before each batch (after the schedule set them).
CallbackPtr recorder(std::vector<double>& rates, Sequential& m) {
  return std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_batch_begin = [&](int64_t, Logs&) { rates.push_back(m.optimizer().learning_rate()); }});
}

TEST(LrSchedules, StepUnitSetsTheRateBeforeEveryBatchAndLogsIt) {
  testing::ToyData d = testing::toy_data(8, 1);
  Sequential m = testing::toy_model(2);
  auto cycle = std::make_shared<OneCycle>(OneCycleOptions{.max_learning_rate = 0.2, .total_steps = 6});
  std::vector<double> rates;
  const History h = m.fit(d.x, d.y, {.batch_size = 4, .epochs = 3, .verbose = 0, .callbacks = {cycle, recorder(rates, m)}});
  ASSERT_EQ(rates.size(), 6u);
  for (int64_t s = 0; s < 6; ++s) EXPECT_EQ(rates[static_cast<size_t>(s)], (*cycle)(s)) << s;
  ASSERT_EQ(h.history.at("lr").size(), 3u);
  EXPECT_EQ(h.history.at("lr")[2], (*cycle)(5));
}

TEST(LrSchedules, EpochUnitSetsTheRateAtEachEpochStart) {
  testing::ToyData d = testing::toy_data(8, 1);
  Sequential m = testing::toy_model(2);
  auto cosine = std::make_shared<CosineDecay>(
      CosineDecayOptions{.initial_learning_rate = 0.1, .decay_steps = 3, .unit = ScheduleUnit::Epoch});
  std::vector<double> rates;
  m.fit(d.x, d.y, {.batch_size = 4, .epochs = 3, .verbose = 0, .callbacks = {cosine, recorder(rates, m)}});
  ASSERT_EQ(rates.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(rates[i], (*cosine)(static_cast<int64_t>(i / 2))) << i;
}

TEST(LrSchedules, AResumedRunGetsTheRatesAndWeightsOfAnUninterruptedOne) {
  testing::ToyData d = testing::toy_data(12, 4);
  const CosineDecayOptions o{.initial_learning_rate = 0.001, .decay_steps = 6, .alpha = 0.05, .warmup_target = 0.2,
                             .warmup_steps = 3};
  Sequential straight = testing::toy_model(6), resumed = testing::toy_model(6);
  std::vector<double> a, b;
  straight.fit(d.x, d.y, {.batch_size = 4, .epochs = 3, .verbose = 0,
                          .callbacks = {std::make_shared<CosineDecay>(o), recorder(a, straight)}});
  resumed.fit(d.x, d.y, {.batch_size = 4, .epochs = 2, .verbose = 0,
                         .callbacks = {std::make_shared<CosineDecay>(o), recorder(b, resumed)}});
  // A fresh callback, as a resumed process has: the step comes from the optimizer.
  resumed.fit(d.x, d.y, {.batch_size = 4, .epochs = 3, .verbose = 0,
                         .callbacks = {std::make_shared<CosineDecay>(o), recorder(b, resumed)}, .initial_epoch = 2});
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 9u);
  EXPECT_GT(a[3], a[0]);  // warmed up
  const auto wa = straight.get_weights(), wb = resumed.get_weights();
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_EQ(max_abs_diff(wa[i], wb[i]), 0.0f) << i;
}

}  // namespace
}  // namespace petal
