// Keras layer configs <-> petal layers: configs real Keras 2.2.x wrote come back
// byte-identical through petal, tf.keras / Keras 2.13 configs convert, and every
// option petal lacks is a one-line error naming the layer and the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "interop/keras_config.h"
#include "interop/keras_fixtures.h"
#include "interop/keras_h5.h"
#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"

namespace petal {
namespace {

using detail::keras_layer_config;
using detail::layer_from_keras;
using nlohmann::json;
using ::testing::HasSubstr;

std::string config_error(const std::string& cls, const json& config, std::optional<Shape> in = std::nullopt) {
  try {
    layer_from_keras(cls, config, in);
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  return "(no ConfigError)";
}

// Layer entries of a model_config (Sequential list, {"layers"} or functional).
json layer_entries(const json& model_config) {
  const json& c = model_config["config"];
  return c.is_array() ? c : c["layers"];
}

bool petal_has(const std::string& cls) {
  for (const auto& row : detail::keras_layer_conversions()) {
    if (cls == row.keras_class) return true;
  }
  return false;
}

// Every config Keras 2.2.0-2.2.4 wrote for a class petal has comes back from
// petal exactly (same keys, same values, same float spellings).
TEST(KerasConfig, ConfigsKeras22WroteRoundTripExactly) {
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  std::set<std::string> classes;
  for (const char* name : {"func_resnet20v1_cifar10_add_k2.2.4.h5", "func_densenet_mnist_concat_lambda_k2.2.4.h5",
                           "seq_shallownet_animals_k2.2.2.hdf5", "func_shared_dense_concat_2in2out_k2.2.0.h5"}) {
    const json mc = json::parse(detail::read_keras_file(std::filesystem::path(dir) / name).model_config);
    for (const json& e : layer_entries(mc)) {
      const std::string cls = e["class_name"];
      if (!petal_has(cls)) continue;
      const json& original = e["config"];
      std::optional<Shape> batch;
      if (original.contains("batch_input_shape")) batch = Shape(original["batch_input_shape"].begin() + 1, original["batch_input_shape"].end());
      const auto layer = layer_from_keras(cls, original);
      EXPECT_EQ(keras_layer_config(*layer, batch), original) << name << " " << cls;
      EXPECT_EQ(detail::keras_layer_entry(*layer)["class_name"], cls);
      classes.insert(cls);
    }
  }
  EXPECT_EQ(classes, (std::set<std::string>{"Activation", "Add", "AveragePooling2D", "BatchNormalization", "Concatenate",
                                            "Conv2D", "Dense", "Dropout", "Flatten", "MaxPooling2D", "ReLU", "Softmax"}));
}

// Every supported-class config of every real file (Keras 2.0-2.13, tf.keras)
// converts, except the options petal lacks, which fail naming layer and field.
TEST(KerasConfig, EveryRealConfigConvertsOrNamesTheField) {
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  int converted = 0;
  std::vector<std::string> refused;
  for (const auto& path : testing::keras_h5_files(dir)) {
    const auto file = detail::read_keras_file(path);
    if (!file.full_model()) continue;
    for (const json& e : layer_entries(json::parse(file.model_config))) {
      const std::string cls = e["class_name"];
      if (!petal_has(cls)) continue;
      // A BatchNormalization axis counted from the front (tf.keras writes [3])
      // is checked against the input rank, which a model load knows.
      std::optional<Shape> in;
      if (cls == "BatchNormalization" && e["config"]["axis"].is_array()) in = Shape(e["config"]["axis"][0].get<size_t>(), 4);
      try {
        layer_from_keras(cls, e["config"], in);
        ++converted;
      } catch (const ConfigError& error) {
        refused.push_back(path.filename().string() + ": " + error.what());
      }
    }
  }
  EXPECT_GE(converted, 300);
  ASSERT_EQ(refused.size(), 1u) << ::testing::PrintToString(refused);
  EXPECT_EQ(refused[0],
            "seq_simpleconv2d_mixed_data_format_dl4j_k2.3.1.hdf5: Conv2D(name='conv2d_1'): Keras field 'data_format': "
            "expected \"channels_last\"; received \"channels_first\".");
}

json conv_config() {
  return {{"name", "c1"}, {"trainable", true}, {"filters", 4}, {"kernel_size", {3, 3}}, {"strides", {2, 1}},
          {"padding", "same"}, {"data_format", "channels_last"}, {"dilation_rate", {1, 1}}, {"activation", "relu"},
          {"use_bias", false}, {"kernel_initializer", {{"class_name", "HeUniform"}, {"config", {{"seed", 3}}}}},
          {"bias_initializer", "zeros"}, {"kernel_regularizer", {{"class_name", "L2"}, {"config", {{"l2", 0.5}}}}},
          {"bias_regularizer", nullptr}, {"activity_regularizer", nullptr}, {"kernel_constraint", nullptr},
          {"bias_constraint", nullptr}, {"batch_input_shape", {nullptr, 9, 8, 3}}, {"dtype", "float32"}};
}

TEST(KerasConfig, TfKerasFormsMapOntoPetalOptions) {
  const auto layer = layer_from_keras("Conv2D", conv_config());
  const auto& o = dynamic_cast<const Conv2D&>(*layer).options();
  EXPECT_EQ(layer->name(), "c1");
  EXPECT_EQ(o.filters, 4);
  EXPECT_EQ(o.strides, (std::array<int64_t, 2>{2, 1}));
  EXPECT_EQ(o.padding, Padding::Same);
  EXPECT_EQ(o.activation, "relu");
  EXPECT_FALSE(o.use_bias);
  EXPECT_EQ(o.kernel_initializer, "he_uniform");
  EXPECT_EQ(o.kernel_l2, 0.5f);
  EXPECT_EQ(layer->declared_input_shape(), (Shape{9, 8, 3}));
  const json back = keras_layer_config(*layer, Shape{9, 8, 3});
  EXPECT_EQ(back["kernel_initializer"],
            json::parse(R"({"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_in",
                             "distribution": "uniform", "seed": null}})"));
  EXPECT_EQ(back["kernel_regularizer"], json::parse(R"({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.5}})"));
  EXPECT_EQ(back["batch_input_shape"], json::parse("[null, 9, 8, 3]"));
  // Pooling strides default to the pool size; a bare int is a square window.
  const auto pool = layer_from_keras("MaxPooling2D", {{"name", "p"}, {"pool_size", 3}, {"strides", nullptr}});
  EXPECT_EQ(keras_layer_config(*pool)["strides"], json::parse("[3, 3]"));
}

TEST(KerasConfig, OptionsPetalLacksNameTheLayerAndField) {
  auto with = [](const char* key, const json& value) {
    json c = conv_config();
    c[key] = value;
    return c;
  };
  EXPECT_EQ(config_error("Conv2D", with("dilation_rate", {2, 2})),
            "Conv2D(name='c1'): expected strides (1, 1) when dilation_rate > 1 (Keras's rule); received strides (2, 1) "
            "with dilation_rate (2, 2).");
  EXPECT_EQ(config_error("Conv2D", with("activity_regularizer", {{"class_name", "L1L2"}})),
            "Conv2D(name='c1'): Keras field 'activity_regularizer': expected null; received "
            "{\"class_name\":\"L1L2\"}. Hint: petal has no such option.");
  EXPECT_THAT(config_error("Conv2D", with("kernel_regularizer", {{"class_name", "L1L2"}, {"config", {{"l1", 0.1}, {"l2", 0.0}}}})),
              HasSubstr("Keras field 'kernel_regularizer': expected l1 = 0 (petal has L2 penalties only)"));
  EXPECT_THAT(config_error("Conv2D", with("kernel_initializer", {{"class_name", "RandomNormal"}, {"config", json::object()}})),
              HasSubstr("Conv2D(name='c1'): Keras field 'kernel_initializer': expected one of petal's initializers"));
  EXPECT_THAT(config_error("Conv2D", with("activation", "selu")),
              HasSubstr("Keras field 'activation': expected one of linear, relu, softmax, sigmoid, tanh, elu; received \"selu\"."));
  EXPECT_EQ(config_error("Conv2D", with("trainable", false)),
            "Conv2D(name='c1'): Keras field 'trainable': expected true; received false. Hint: petal trains every layer; "
            "frozen layers are not supported.");
  EXPECT_EQ(config_error("DepthwiseConv2D", {{"name", "dw"}, {"kernel_size", 3}, {"depthwise_regularizer", {{"class_name", "L1L2"}}}}),
            "DepthwiseConv2D(name='dw'): Keras field 'depthwise_regularizer': expected null; received "
            "{\"class_name\":\"L1L2\"}. Hint: petal has no such option.");
  EXPECT_EQ(config_error("Conv2D", with("new_option", 1)),
            "Conv2D(name='c1'): Keras field 'new_option': expected no such option (petal does not support it); received 1.");
  EXPECT_EQ(config_error("Dropout", {{"name", "d"}, {"rate", 0.5}, {"noise_shape", {nullptr, 1, 1, 8}}}),
            "Dropout(name='d'): Keras field 'noise_shape': expected null; received [null,1,1,8]. Hint: petal has no such option.");
  EXPECT_EQ(config_error("Flatten", {{"name", "f"}, {"data_format", "channels_first"}}),
            "Flatten(name='f'): Keras field 'data_format': expected \"channels_last\"; received \"channels_first\".");
  EXPECT_EQ(config_error("BatchNormalization", {{"name", "bn"}, {"axis", {1, 2}}}, Shape{8, 8, 3}),
            "BatchNormalization(name='bn'): Keras field 'axis': expected one axis (an integer); received [1,2].");
  EXPECT_NO_THROW(layer_from_keras("BatchNormalization", {{"name", "bn"}, {"axis", 1}}, Shape{8, 8, 3}));
  EXPECT_NO_THROW(layer_from_keras("BatchNormalization", {{"name", "bn"}, {"axis", {3}}}, Shape{8, 8, 3}));
  EXPECT_EQ(config_error("Dense", {{"name", "d"}, {"units", 3}, {"dtype", "float16"}}),
            "Dense(name='d'): Keras field 'dtype': expected \"float32\"; received \"float16\". Hint: petal computes in float32.");
}

TEST(KerasConfig, UnsupportedClassesNameTheLayerAndClass) {
  const std::string lstm = config_error("LSTM", {{"name", "lstm_1"}, {"units", 8}});
  EXPECT_THAT(lstm, ::testing::StartsWith("Keras layer 'lstm_1' has class LSTM, which petal does not support; supported "
                                          "classes: InputLayer, Conv2D, Dense, BatchNormalization, "));
  EXPECT_THAT(lstm, HasSubstr(", Concatenate, ReLU, Softmax, "));
  EXPECT_THAT(config_error("Lambda", {{"name", "lambda_3"}, {"function", "..."}}),
              HasSubstr("Keras layer 'lambda_3' has class Lambda, which petal does not support"));
}

TEST(KerasConfig, BatchNormWithoutCenterOrScaleHasKerasWeights) {
  for (const auto& [center, scale] : {std::pair{false, true}, {true, false}, {false, false}}) {
    const auto layer = layer_from_keras("BatchNormalization", {{"name", "bn"}, {"center", center}, {"scale", scale},
                                                               {"momentum", 0.9}, {"epsilon", 1e-5}});
    Rng rng(1);
    layer->build({4, 4, 6}, rng);
    std::vector<std::string> names;
    for (const Param* p : std::as_const(*layer).params()) names.push_back(p->name + (p->trainable ? "" : "*"));
    std::vector<std::string> expected;
    if (scale) expected.push_back("gamma");
    if (center) expected.push_back("beta");
    expected.insert(expected.end(), {"moving_mean*", "moving_variance*"});
    EXPECT_EQ(names, expected);  // Keras 2.2.4's order; * = non-trainable
    const json back = keras_layer_config(*layer);
    EXPECT_EQ(back["center"], center);
    EXPECT_EQ(back["scale"], scale);
    EXPECT_EQ(back["momentum"], 0.9);  // the float the user typed, not 0.8999999761581421
    EXPECT_EQ(back["epsilon"], 1e-5);
  }
}

TEST(KerasConfig, PetalOptionsKerasCannotExpressAreRefused) {
  Activation leaky(ActivationOptions{.activation = "leaky_relu", .name = "a"});
  try {
    keras_layer_config(leaky);
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "Activation(name='a'): activation 'leaky_relu' has no Keras 2.2.4 equivalent.");
  }
}

TEST(KerasConfig, InputLayers) {
  const auto in = detail::input_layer_from_keras(
      {{"batch_input_shape", {nullptr, 32, 32, 3}}, {"dtype", "float32"}, {"sparse", false}, {"ragged", false}, {"name", "x"}});
  EXPECT_EQ(in.name, "x");
  EXPECT_EQ(in.shape, (Shape{32, 32, 3}));
  EXPECT_EQ(detail::keras_input_layer_config("x", {32, 32, 3}),
            json::parse(R"({"batch_input_shape": [null, 32, 32, 3], "dtype": "float32", "sparse": false, "name": "x"})"));
  EXPECT_THROW(detail::input_layer_from_keras({{"batch_input_shape", {nullptr, nullptr, 3}}, {"name", "x"}}), ConfigError);
  EXPECT_THROW(detail::input_layer_from_keras({{"batch_input_shape", {nullptr, 3}}, {"sparse", true}, {"name", "x"}}),
               ConfigError);
}

}  // namespace
}  // namespace petal
