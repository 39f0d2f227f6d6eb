// Hostile model files: a description that departs from what save() writes fails
// in load_model with one IoError naming the file and the field, before any build.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "layers/layer_factory.h"
#include "model/model_schema.h"
#include "petal/core/error.h"
#include "petal/io/npz.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/optimizers/optimizer.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

class ModelSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    Sequential m({.seed = 1, .input_shape = {6, 6, 3}});
    m.add(Conv2D({.filters = 2, .padding = Padding::Same}));
    m.add(Flatten());
    m.add(Dense({.units = 3, .activation = "softmax"}));
    m.compile(SGD({.learning_rate = 0.1, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
    m.save(good());
    arrays_ = load_npz(good());
    for (const auto& [name, a] : arrays_) {
      if (name == "petal_model.json") doc_ = json::parse(a.to_string());
    }
  }
  std::filesystem::path good() const { return dir_.path() / "good.petal"; }

  // The file with its description edited by `edit` (and its arrays by `arrays`).
  std::filesystem::path crafted(const std::function<void(json&)>& edit,
                                const std::function<void(NamedArrays&)>& arrays = {}) {
    json d = doc_;
    edit(d);
    NamedArrays a = arrays_;
    for (auto& [name, array] : a) {
      if (name == "petal_model.json") array = NpyArray::from_string(d.dump());
    }
    if (arrays) arrays(a);
    const auto path = dir_.path() / ("crafted_" + std::to_string(count_++) + ".petal");
    save_npz(path, a);
    return path;
  }

  // load_model fails with an IoError naming the file and holding `field` and `expected`.
  void expect_refused(const std::filesystem::path& path, const std::string& field, const std::string& expected) {
    try {
      load_model(path);
      ADD_FAILURE() << "no error for " << field;
    } catch (const IoError& e) {
      EXPECT_THAT(e.what(), AllOf(HasSubstr(path.filename().string()), HasSubstr(field), HasSubstr(expected),
                                  Not(HasSubstr("json.exception")), Not(HasSubstr("\n"))));
    } catch (const std::exception& e) {
      ADD_FAILURE() << field << ": expected IoError; received " << e.what();
    }
  }

  testing::TempDir dir_;
  NamedArrays arrays_;
  json doc_;
  int count_ = 0;
};

TEST_F(ModelSchema, TheGoodFileLoads) { EXPECT_NO_THROW(load_model(good())); }

TEST_F(ModelSchema, MissingKeysNameTheField) {
  expect_refused(crafted([](json& d) { d.erase("layers"); }), "'layers'", "the key is missing");
  expect_refused(crafted([](json& d) { d["layers"][1].erase("config"); }), "'layers[1].config'", "missing");
  expect_refused(crafted([](json& d) { d["layers"][0]["config"].erase("filters"); }), "'layers[0].config.filters'",
                 "an integer in [1, 16777216]");
  expect_refused(crafted([](json& d) { d.erase("optimizer"); }), "'optimizer'", "the model is compiled");
}

TEST_F(ModelSchema, WrongKindsNameTheField) {
  expect_refused(crafted([](json& d) { d["name"] = 5; }), "'name'", "expected a string; received 5");
  expect_refused(crafted([](json& d) { d["layers"] = json::object(); }), "'layers'", "expected a list of 1 to");
  expect_refused(crafted([](json& d) { d["layers"][0]["config"]["padding"] = 1; }), "layers[0].config.padding",
                 "one of 'valid', 'same'");
  expect_refused(crafted([](json& d) { d["layers"][2]["config"]["units"] = 2.5; }), "layers[2].config.units",
                 "received 2.5");
  expect_refused(crafted([](json& d) { d["compiled"] = "yes"; }), "'compiled'", "true or false");
  expect_refused(crafted([](json& d) { d = json::array({1, 2}); }), "model description", "a JSON object");
}

TEST_F(ModelSchema, UnknownNamesListTheKnownOnes) {
  expect_refused(crafted([](json& d) { d["layers"][1]["type"] = "LSTM"; }), "'layers[1].type'", "'Conv2D'");
  expect_refused(crafted([](json& d) { d["optimizer"]["name"] = "Nadam"; }), "'optimizer.name'", "'SGD'");
  expect_refused(crafted([](json& d) { d["loss"] = "hinge"; }), "'loss'", "categorical_crossentropy");
  expect_refused(crafted([](json& d) { d["layers"][2]["config"]["activation"] = "swishy"; }),
                 "layers[2].config.activation", "relu");
  expect_refused(crafted([](json& d) { d["layers"][2]["config"]["name"] = "conv2d_1"; }), "layers[2].config.name",
                 "layers[0] has it");
}

TEST_F(ModelSchema, ShapesOutOfRangeAreRefusedBeforeBuilding) {
  expect_refused(crafted([](json& d) { d["input_shape"] = {6, -6, 3}; }), "'input_shape[1]'", "received -6");
  expect_refused(crafted([](json& d) { d["input_shape"] = {1000000, 1000000, 3}; }), "'input_shape'",
                 "at most 2^31 elements");
  expect_refused(crafted([](json& d) { d["input_shape"] = {6, 6, 18446744073709551615ull}; }), "'input_shape[2]'",
                 "an integer in [1, 1048576]; received 18446744073709551615");
  expect_refused(crafted([](json& d) { d["layers"][0]["config"]["kernel_size"] = {3}; }),
                 "layers[0].config.kernel_size", "a list of 2");
}

TEST_F(ModelSchema, ArraysTheDescriptionImpliesAreChecked) {
  expect_refused(crafted([](json&) {},
                         [](NamedArrays& a) {
                           for (auto& [n, x] : a) {
                             if (n == "optimizer/iterations") x = NpyArray::from_int64({0}, {});
                           }
                         }),
                 "'optimizer/iterations'", "expected one integer");
  expect_refused(crafted([](json& d) { d["iterations"] = json::array(); }), "'iterations'", "an integer");
  expect_refused(crafted([](json&) {},
                         [](NamedArrays& a) {
                           a.emplace_back("optimizer/dense_1/kernel:0/momentum",
                                          NpyArray::from_tensor(Tensor({2, 2})));
                         }),
                 "optimizer/dense_1/kernel:0/momentum", "shaped like weight");
}

// What save() writes for every layer type and optimizer passes the schema.
TEST(ModelSchemaAccepts, EveryLayerTypeAndOptimizerSaveWrites) {
  testing::TempDir dir;
  Sequential m({.seed = 2, .input_shape = {8, 8, 3}});
  m.add(Conv2D({.filters = 2, .padding = Padding::Same, .kernel_l2 = 0.01f}));
  m.add(BatchNormalization());
  m.add(Activation("relu"));
  m.add(MaxPooling2D());
  m.add(AveragePooling2D());
  m.add(Dropout(DropoutOptions{.rate = 0.5f, .seed = 18446744073709551615ull}));
  m.add(GlobalAveragePooling2D());
  m.add(Dense({.units = 3, .activation = "softmax"}));
  for (const char* name : {"SGD", "Adam", "RMSprop", "Adagrad"}) {
    m.compile(*optimizer_from_config(name, R"({"learning_rate": 0.01})"), "categorical_crossentropy",
              {"accuracy", "top_k_categorical_accuracy"});
    m.save(dir.path() / "all.petal");
    EXPECT_NO_THROW(load_model(dir.path() / "all.petal")) << name;
  }
  EXPECT_EQ(detail::layer_config_rule("LSTM"), nullptr);
  EXPECT_EQ(detail::find_layer_kind("LSTM"), nullptr);
  EXPECT_NE(detail::layer_config_rule("Conv2D"), nullptr);
}

// The weight count the schema expects follows the layer's config: a
// BatchNormalization without center and scale keeps only its two statistics.
TEST(ModelSchemaAccepts, BatchNormalizationWithoutCenterOrScale) {
  testing::TempDir dir;
  Sequential m({.seed = 3, .input_shape = {4, 4, 2}});
  m.add(Conv2D({.filters = 3, .kernel_size = {1, 1}, .use_bias = false}));
  m.add(BatchNormalization({.center = false, .scale = false}));
  m.add(Flatten());
  m.save(dir.path() / "bn.petal");
  Model loaded = load_model(dir.path() / "bn.petal");
  EXPECT_EQ(loaded.count_params(), 2 * 3 + 2 * 3);
}

}  // namespace
}  // namespace petal
