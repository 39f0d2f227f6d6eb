// Optimizers follow Keras 2.2.4's update formulas step by step.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "petal/core/error.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/rmsprop.h"
#include "petal/optimizers/sgd.h"

namespace petal {
namespace {

Param make_param(float value, float grad) {
  return Param{.name = std::string(1, 'w'), .value = Tensor({1}, value), .grad = Tensor({1}, grad)};
}

// Runs `steps` updates with a constant gradient and returns the value trace.
std::vector<double> trace(Optimizer& opt, float g, int steps) {
  Param p = make_param(1.0f, g);
  Param* ps[] = {&p};
  std::vector<double> out;
  for (int i = 0; i < steps; ++i) {
    opt.apply(ps);
    out.push_back(p.value[0]);
  }
  return out;
}

TEST(SGD, MomentumNesterovAndDecayAsKeras) {
  SGD sgd({.learning_rate = 0.1, .momentum = 0.9, .decay = 0.5});
  const auto t = trace(sgd, 1.0f, 3);
  double p = 1, v = 0;
  for (int it = 0; it < 3; ++it) {
    const double lr = 0.1 / (1 + 0.5 * it);
    v = 0.9 * v - lr * 1.0;
    p += v;
    EXPECT_NEAR(t[it], p, 1e-6);
  }
  SGD nest({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  const auto n = trace(nest, 1.0f, 2);
  p = 1, v = 0;
  for (int it = 0; it < 2; ++it) {
    v = 0.9 * v - 0.1;
    p += 0.9 * v - 0.1;
    EXPECT_NEAR(n[it], p, 1e-6);
  }
  EXPECT_EQ(nest.iterations(), 2);
  EXPECT_NEAR(sgd.effective_learning_rate(), 0.1 / 2.5, 1e-12);
}

TEST(Adam, BiasCorrectionAndAmsgrad) {
  Adam adam({.learning_rate = 0.01});
  Param p = make_param(1.0f, 0.5f);
  Param* ps[] = {&p};
  double w = 1, m = 0, v = 0;
  for (int t = 1; t <= 3; ++t) {
    p.grad[0] = 0.5f / static_cast<float>(t);
    adam.apply(ps);
    const double g = 0.5 / t;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const double lr_t = 0.01 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    w -= lr_t * m / (std::sqrt(v) + 1e-7);
    EXPECT_NEAR(p.value[0], w, 1e-6);
  }
  Adam ams({.learning_rate = 0.01, .amsgrad = true});
  EXPECT_EQ(ams.slot_names().size(), 3u);
  Param q = make_param(1.0f, 1.0f);
  Param* qs[] = {&q};
  ams.apply(qs);
  q.grad[0] = 0.0f;
  ams.apply(qs);
  EXPECT_NEAR(ams.slots(q)[2][0], 0.001, 1e-7);  // vhat kept the max
}

TEST(RMSpropAndAdagrad, Accumulators) {
  RMSprop rms({.learning_rate = 0.01});
  const auto r = trace(rms, 2.0f, 2);
  double w = 1, a = 0;
  for (int i = 0; i < 2; ++i) {
    a = 0.9 * a + 0.1 * 4;
    w -= 0.01 * 2 / (std::sqrt(a) + 1e-7);
    EXPECT_NEAR(r[i], w, 1e-6);
  }
  Adagrad ada({.learning_rate = 0.1});
  const auto g = trace(ada, 2.0f, 2);
  w = 1, a = 0;
  for (int i = 0; i < 2; ++i) {
    a += 4;
    w -= 0.1 * 2 / (std::sqrt(a) + 1e-7);
    EXPECT_NEAR(g[i], w, 1e-6);
  }
}

TEST(Optimizer, NonTrainableParamsAreLeftAloneAndConfigRoundTrips) {
  SGD sgd({.learning_rate = 0.1});
  Param p = make_param(1.0f, 1.0f);
  p.trainable = false;
  Param* ps[] = {&p};
  sgd.apply(ps);
  EXPECT_EQ(p.value[0], 1.0f);
  auto copy = optimizer_from_config("Adam", Adam({.learning_rate = 0.5, .amsgrad = true}).config_json());
  EXPECT_EQ(copy->name(), "Adam");
  EXPECT_DOUBLE_EQ(copy->learning_rate(), 0.5);
  EXPECT_EQ(copy->slot_names().size(), 3u);
  EXPECT_THROW(SGD({.learning_rate = -1}), ConfigError);
  EXPECT_THROW(optimizer_from_config("Nadam", "{}"), Error);
}

}  // namespace
}  // namespace petal
