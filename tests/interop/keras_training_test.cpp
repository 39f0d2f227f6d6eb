// Keras training configs and optimizer state: Keras 2.2.4's names and float32
// spellings on writing, every real file's training_config on reading, and the
// optimizer_weights layouts of Keras 2.x and tf.keras.
#include <gtest/gtest.h>

#include <map>

#include "interop/keras_fixtures.h"
#include "interop/keras_h5.h"
#include "interop/keras_training.h"
#include "petal/core/error.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/rmsprop.h"
#include "petal/optimizers/sgd.h"

namespace petal {
namespace {

using nlohmann::json;

TEST(KerasTraining, OptimizerConfigsUseKeras224NamesAndFloat32Values) {
  EXPECT_EQ(detail::keras_optimizer_config(SGD({.learning_rate = 0.01, .momentum = 0.9, .nesterov = true})),
            json::parse(R"({"class_name": "SGD", "config": {"lr": 0.009999999776482582, "momentum": 0.8999999761581421,
                            "decay": 0.0, "nesterov": true}})"));
  EXPECT_EQ(detail::keras_optimizer_config(Adam({.learning_rate = 0.001})),
            json::parse(R"({"class_name": "Adam", "config": {"lr": 0.0010000000474974513, "beta_1": 0.8999999761581421,
                            "beta_2": 0.9990000128746033, "decay": 0.0, "epsilon": 1e-07, "amsgrad": false}})"));
  EXPECT_EQ(detail::keras_optimizer_config(RMSprop({.learning_rate = 0.00025, .decay = 1e-6})),
            json::parse(R"({"class_name": "RMSprop", "config": {"lr": 0.0002500000118743628, "rho": 0.8999999761581421,
                            "decay": 9.999999974752427e-07, "epsilon": 1e-07}})"));
  EXPECT_EQ(detail::keras_optimizer_config(Adagrad({.learning_rate = 0.01}))["config"],
            json::parse(R"({"lr": 0.009999999776482582, "decay": 0.0, "epsilon": 1e-07})"));
  // Read back, the config is unchanged (float32 values are fixed points).
  for (const json& c : {detail::keras_optimizer_config(SGD({.learning_rate = 0.01, .momentum = 0.9})),
                        detail::keras_optimizer_config(Adam({.amsgrad = true})),
                        detail::keras_optimizer_config(RMSprop({.rho = 0.8}))}) {
    EXPECT_EQ(detail::keras_optimizer_config(*detail::optimizer_from_keras(c)), c);
  }
  EXPECT_EQ(detail::keras_training_config(SGD(), Loss::CategoricalCrossentropy, {{MetricKind::CategoricalAccuracy, "acc"}}),
            json::parse(R"({"optimizer_config": {"class_name": "SGD", "config": {"lr": 0.009999999776482582,
                            "momentum": 0.0, "decay": 0.0, "nesterov": false}}, "loss": "categorical_crossentropy",
                            "metrics": ["acc"], "sample_weight_mode": null, "loss_weights": null})"));
}

std::string settings_or_error(const json& training_config) {
  try {
    const auto s = detail::compile_settings_from_keras(training_config);
    std::string metrics;
    for (const auto& m : s.metrics) metrics += (metrics.empty() ? "" : ",") + m;
    return s.optimizer->name() + " lr=" + std::to_string(s.optimizer->learning_rate()) + " " + s.loss + " [" + metrics + "]";
  } catch (const ConfigError& e) {
    return std::string("error: ") + e.what();
  }
}

TEST(KerasTraining, EveryRealTrainingConfigReadsOrNamesWhatPetalLacks) {
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  const std::map<std::string, std::string> expected = {
      {"func_densenet_mnist_concat_lambda_k2.2.4.h5", "Adam lr=0.001000 categorical_crossentropy [accuracy]"},
      {"func_inception_mnist_concat_k2.1.6-tf.h5", "RMSprop lr=0.001000 categorical_crossentropy [accuracy]"},
      {"func_resnet20v1_cifar10_add_k2.2.4.h5", "Adam lr=0.001000 categorical_crossentropy [accuracy]"},
      {"func_resnet_bottleneck_shapes_add_k2.3.0-tf.h5", "Adam lr=0.000100 categorical_crossentropy [mse,acc]"},
      {"func_resnet_cifar10_add_bn_k2.13.1.h5", "Adam lr=0.001000 categorical_crossentropy [accuracy]"},
      {"func_resnet_cifar10_add_k2.10.0.h5",
       "error: SparseCategoricalCrossentropy(name='sparse_categorical_crossentropy'): Keras field 'from_logits': "
       "expected false; received true."},
      {"func_shared_dense_concat_2in2out_k2.2.0.h5",
       "error: Keras optimizer Adadelta is not supported; petal has SGD, Adam, RMSprop and Adagrad."},
      {"seq_cnn_batchnorm_dl4j_k2.1.3.h5", "Adam lr=0.001000 mean_squared_error []"},
      {"seq_minivggnet_elu_bn_cifar10_k2.1.3.h5", "RMSprop lr=0.000250 categorical_crossentropy [accuracy]"},
      {"seq_shallownet_animals_k2.2.2.hdf5", "SGD lr=0.005000 categorical_crossentropy [accuracy]"},
      {"seq_shapes_cnn_k2.3.1.h5", "RMSprop lr=0.001000 categorical_crossentropy [accuracy]"},
  };
  std::map<std::string, std::string> got;
  for (const auto& path : testing::keras_h5_files(dir)) {
    const auto file = detail::read_keras_file(path);
    if (!file.training_config.empty()) got[path.filename().string()] = settings_or_error(json::parse(file.training_config));
  }
  EXPECT_EQ(got, expected);
}

TEST(KerasTraining, OptionsPetalLacksAreRefused) {
  auto error = [](const json& optimizer_config) {
    try {
      detail::optimizer_from_keras(optimizer_config);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error({{"class_name", "SGD"}, {"config", {{"lr", 0.1}, {"clipnorm", 1.0}}}}),
            "SGD: Keras field 'clipnorm': expected null; received 1.0. Hint: petal has no such option.");
  EXPECT_EQ(error({{"class_name", "RMSprop"}, {"config", {{"learning_rate", 0.1}, {"centered", true}}}}),
            "RMSprop: Keras field 'centered': expected false; received true.");
  EXPECT_EQ(error({{"class_name", "Adam"}, {"config", {{"learning_rate", {{"class_name", "ExponentialDecay"}}}}}}),
            "Adam: Keras field 'learning_rate': expected a number; received {\"class_name\":\"ExponentialDecay\"}. "
            "Hint: learning-rate schedules are not supported; use a callback.");
  EXPECT_EQ(error({{"class_name", "Adagrad"}, {"config", {{"lr", 0.1}, {"initial_accumulator_value", 0.1}}}}),
            "Adagrad: Keras field 'initial_accumulator_value': expected 0; received 0.1.");
  EXPECT_THROW(detail::compile_settings_from_keras(json::parse(
                   R"({"optimizer_config": {"class_name": "SGD", "config": {"lr": 0.1}}, "loss": ["mse", "mse"]})")),
               ConfigError);
  EXPECT_THROW(detail::compile_settings_from_keras(json::parse(
                   R"({"optimizer_config": {"class_name": "SGD", "config": {"lr": 0.1}}, "loss": "mse",
                       "sample_weight_mode": "temporal"})")),
               ConfigError);
}

struct Params {
  std::vector<Param> storage;
  std::vector<Param*> pointers;
  explicit Params(const std::vector<Shape>& shapes) {
    storage.reserve(shapes.size());
    for (size_t i = 0; i < shapes.size(); ++i) {
      storage.push_back(Param{"w" + std::to_string(i), Tensor(shapes[i]), Tensor(shapes[i]), true, 0.0f, shapes[i]});
    }
    for (auto& p : storage) pointers.push_back(&p);
  }
};

TEST(KerasTraining, OptimizerWeightsInKeras224OrderAndNames) {
  Params ps({{2, 3}, {3}});
  Adam adam;
  EXPECT_TRUE(detail::keras_optimizer_weights(adam, ps.pointers).empty());  // not trained: no weights yet
  adam.slots(*ps.pointers[0])[0].fill(1.0f);  // m of w0
  adam.slots(*ps.pointers[1])[1].fill(2.0f);  // v of w1
  adam.set_iterations(5);
  const auto w = detail::keras_optimizer_weights(adam, ps.pointers);
  EXPECT_EQ(w.names, (std::vector<std::string>{"Adam/iterations:0", "training/Adam/Variable:0", "training/Adam/Variable_1:0",
                                               "training/Adam/Variable_2:0", "training/Adam/Variable_3:0",
                                               "training/Adam/Variable_4:0", "training/Adam/Variable_5:0"}));
  EXPECT_EQ(w.iterations, 5);
  std::vector<Shape> shapes;
  for (const auto& v : w.values) shapes.push_back(v.shape());
  EXPECT_EQ(shapes, (std::vector<Shape>{{}, {2, 3}, {3}, {2, 3}, {3}, {1}, {1}}));
  EXPECT_EQ(w.values[1][0], 1.0f);
  EXPECT_EQ(w.values[4][2], 2.0f);

  RMSprop rms;
  rms.set_iterations(1);
  const auto r = detail::keras_optimizer_weights(rms, ps.pointers);  // 2.2.4: accumulators only
  EXPECT_EQ(r.names, (std::vector<std::string>{"training/RMSprop/Variable:0", "training/RMSprop/Variable_1:0"}));

  // Back into a fresh Adam: Keras 2.2.4's layout, then tf.keras's (iter + m's + v's).
  Adam fresh;
  ASSERT_EQ(detail::set_keras_optimizer_weights(fresh, ps.pointers, w), "");
  EXPECT_EQ(fresh.iterations(), 5);
  EXPECT_EQ(fresh.slots(*ps.pointers[1])[1][0], 2.0f);
  detail::KerasOptimizerWeights tf{{"Adam/iter:0", "Adam/w0/m:0", "Adam/w1/m:0", "Adam/w0/v:0", "Adam/w1/v:0"},
                                   {Tensor(Shape{}, 9.0f), Tensor({2, 3}, 0.5f), Tensor({3}, 0.25f), Tensor({2, 3}, 4.0f),
                                    Tensor({3}, 8.0f)},
                                   9};
  Adam from_tf;
  ASSERT_EQ(detail::set_keras_optimizer_weights(from_tf, ps.pointers, tf), "");
  EXPECT_EQ(from_tf.iterations(), 9);
  EXPECT_EQ(from_tf.slots(*ps.pointers[1])[0][0], 0.25f);
  EXPECT_EQ(from_tf.slots(*ps.pointers[0])[1][0], 4.0f);
  // A layout that does not fit changes nothing.
  Adam untouched;
  tf.values[3] = Tensor({3, 2});
  EXPECT_EQ(detail::set_keras_optimizer_weights(untouched, ps.pointers, tf),
            "'Adam/w0/v:0' has shape [3, 2]; the weight it belongs to (w0) has shape [2, 3]");
  EXPECT_EQ(untouched.iterations(), 0);
  EXPECT_FALSE(untouched.has_slots(*ps.pointers[0]));
  tf.names.pop_back();
  tf.values.pop_back();
  EXPECT_EQ(detail::set_keras_optimizer_weights(untouched, ps.pointers, tf),
            "the file holds 3 optimizer slot values for 2 trainable weights");
}

}  // namespace
}  // namespace petal
