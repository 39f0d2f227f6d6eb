// AdamW and SGDW: w -= lr_t * weight_decay * w before the Adam / SGD step, on
// kernels only unless decay_all_weights; weight_decay 0 is Adam / SGD bit for
// bit; the options survive optimizer_from_config and model files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "petal/core/error.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/adamw.h"
#include "petal/optimizers/sgd.h"
#include "petal/optimizers/sgdw.h"
#include "testing/fixtures.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

Param param(const char* name, Shape shape, float value, float grad) {
  Param p{.name = name, .value = Tensor(shape, value), .grad = Tensor(shape, grad), .keras_shape = shape};
  return p;
}

TEST(SGDW, DecaysKernelsThenTakesTheSgdStep) {
  SGDW opt({.learning_rate = 0.1, .weight_decay = 0.5, .momentum = 0.9, .decay = 0.25});
  Param kernel = param("kernel", {2, 2}, 1.0f, 0.2f), bias = param("bias", {2}, 1.0f, 0.2f);
  Param* ps[] = {&kernel, &bias};
  double k = 1, b = 1, vk = 0, vb = 0;
  for (int it = 0; it < 3; ++it) {
    opt.apply(ps);
    const double lr = 0.1 / (1 + 0.25 * it);
    k -= lr * 0.5 * k;  // decoupled: not through the momentum
    vk = 0.9 * vk - lr * 0.2;
    k += vk;
    vb = 0.9 * vb - lr * 0.2;
    b += vb;
    EXPECT_NEAR(kernel.value[3], k, 1e-6) << it;
    EXPECT_NEAR(bias.value[1], b, 1e-6) << it;
  }
}

TEST(AdamW, DecaysEveryWeightWhenAsked) {
  AdamW opt({.learning_rate = 0.01, .weight_decay = 0.2, .decay_all_weights = true});
  Adam adam({.learning_rate = 0.01});
  Param a = param("beta", {3}, 2.0f, 0.5f), b = param("beta", {3}, 2.0f, 0.5f);
  Param* pa[] = {&a};
  Param* pb[] = {&b};
  opt.apply(pa);
  adam.apply(pb);
  // One step: the decay shrinks by lr * wd * w, the Adam step is the same.
  EXPECT_NEAR(a.value[0], b.value[0] - 0.01 * 0.2 * 2.0, 1e-6);
}

TEST(AdamW, ZeroDecayIsAdamBitForBit) {
  AdamW w({.learning_rate = 0.003, .weight_decay = 0.0, .amsgrad = true});
  Adam a({.learning_rate = 0.003, .amsgrad = true});
  Param x = param("kernel", {4, 3}, 0.7f, 0.0f), y = param("kernel", {4, 3}, 0.7f, 0.0f);
  Param* px[] = {&x};
  Param* py[] = {&y};
  for (int it = 0; it < 4; ++it) {
    for (int64_t i = 0; i < 12; ++i) x.grad[i] = y.grad[i] = std::sin(static_cast<float>(i + it));
    w.apply(px);
    a.apply(py);
  }
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(x.value[i], y.value[i]);
  EXPECT_EQ(w.slot_names(), a.slot_names());
}

TEST(DecoupledWeightDecay, ConfigRoundTripAndBadValues) {
  const AdamW w({.learning_rate = 0.002, .weight_decay = 0.05, .beta_1 = 0.8, .decay_all_weights = true});
  const auto back = optimizer_from_config("AdamW", w.config_json());
  ASSERT_EQ(back->name(), "AdamW");
  const auto& o = dynamic_cast<const AdamW&>(*back).options();
  EXPECT_EQ(o.weight_decay, 0.05);
  EXPECT_EQ(o.beta_1, 0.8);
  EXPECT_TRUE(o.decay_all_weights);
  const SGDW s({.learning_rate = 0.02, .weight_decay = 3e-4, .momentum = 0.9, .nesterov = true});
  const auto sback = optimizer_from_config("SGDW", s.config_json());
  const auto& so = dynamic_cast<const SGDW&>(*sback).options();
  EXPECT_EQ(so.weight_decay, 3e-4);
  EXPECT_TRUE(so.nesterov);
  EXPECT_EQ(sback->slot_names(), std::vector<std::string>{"momentum"});
  EXPECT_THROW(AdamW({.weight_decay = -1}), ConfigError);
  EXPECT_THROW(SGDW({.weight_decay = std::nan("")}), ConfigError);
}

TEST(DecoupledWeightDecay, ModelFileResumesTheSameTraining) {
  testing::ToyData d = testing::toy_data(16, 2);
  Sequential m = testing::toy_model(3);
  m.compile(AdamW({.learning_rate = 0.01, .weight_decay = 0.1}), "categorical_crossentropy", {"accuracy"});
  m.train_on_batch(d.x, d.y);
  testing::TempDir dir;
  m.save(dir / "m.petal");
  Model back = load_model(dir / "m.petal");
  EXPECT_EQ(back.optimizer().name(), "AdamW");
  m.train_on_batch(d.x, d.y);
  back.train_on_batch(d.x, d.y);
  const auto a = m.get_weights(), b = back.get_weights();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(max_abs_diff(a[i], b[i]), 0.0f) << i;
}

}  // namespace
}  // namespace petal
