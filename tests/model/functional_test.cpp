// The functional API: building graphs (Input, layer calls, merges, shared layers,
// nested models), their errors, gradients through every kind of graph edge,
// summary's "Connected to" column, and saving, loading and resuming a graph.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "petal/core/error.h"
#include "petal/io/npz.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"
#include "testing/gradcheck.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The example: conv, BN, ReLU, an identity shortcut (fan-out + Add),
// two global poolings concatenated (fan-out + fan-in), a softmax head.
Model resnetish(uint64_t seed) {
  auto inputs = Input({8, 8, 3});
  auto x = Conv2D({.filters = 4, .kernel_size = {3, 3}, .padding = Padding::Same})(inputs);
  auto y = BatchNormalization()(x);
  y = Activation("relu")(y);
  x = Add()({x, y});
  auto a = GlobalAveragePooling2D()(x), b = GlobalMaxPooling2D()(x);
  auto outputs = Dense({.units = 3, .activation = "softmax"})(Concatenate()({a, b}));
  return Model(inputs, outputs, {.seed = seed, .name = "resnetish"});
}

Tensor random_tensor(const Shape& shape, Rng& rng) {
  Tensor t(shape);
  for (float& v : t.values()) v = static_cast<float>(rng.uniform(-1, 1));
  return t;
}

Tensor one_hot(int64_t n, int64_t k, Rng& rng) {
  Tensor y({n, k});
  for (int64_t i = 0; i < n; ++i) y.at({i, static_cast<int64_t>(rng.below(static_cast<uint64_t>(k)))}) = 1;
  return y;
}

TEST(Functional, BuildsKerasNamesShapesAndOrder) {
  Model m = resnetish(1);
  std::vector<std::string> names;
  for (const Layer* l : std::as_const(m).layers()) names.push_back(l->name());
  EXPECT_THAT(names, ::testing::ElementsAre("input_1", "conv2d_1", "batch_normalization_1", "activation_1", "add_1",
                                            "global_average_pooling2d_1", "global_max_pooling2d_1", "concatenate_1",
                                            "dense_1"));
  EXPECT_EQ(m.input_shape(), (Shape{8, 8, 3}));
  EXPECT_EQ(m.output_shape(), (Shape{3}));
  EXPECT_FALSE(m.is_sequential());
  EXPECT_EQ(m.layer("concatenate_1").output_shape(), (Shape{8}));
  // conv 3*3*3*4+4, BN 4*4, dense 8*3+3
  EXPECT_EQ(m.count_params(), 112 + 16 + 27);
}

TEST(Functional, SummaryHasTheConnectedToColumn) {
  const std::string s = resnetish(1).summary();
  EXPECT_THAT(s, HasSubstr("Connected to"));
  EXPECT_THAT(s, HasSubstr("add_1 (Add)                     (None, 8, 8, 4)      0           conv2d_1[0][0]"));
  EXPECT_THAT(s, HasSubstr("                                                                 activation_1[0][0]"));
  EXPECT_THAT(s, HasSubstr("input_1 (InputLayer)            (None, 8, 8, 3)      0"));
  EXPECT_THAT(s, HasSubstr("Total params: 155"));
  // A chain built functionally prints in the chain layout (Keras's sequential_like).
  auto in = Input({4});
  Model chain(in, Dense({.units = 2})(in));
  EXPECT_THAT(chain.summary(), ::testing::Not(HasSubstr("Connected to")));
}

TEST(Functional, GraphErrorsNameTheLayer) {
  auto in = Input({8, 8, 3});
  auto c32 = Conv2D({.filters = 32, .padding = Padding::Same})(in);
  auto c64 = Conv2D({.filters = 64, .padding = Padding::Same})(in);
  try {
    Add()({c32, c64});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "Add(name='add_1'): expected inputs of one shape; received [8, 8, 32] and [8, 8, 64].");
  }
  try {
    Concatenate()({c32, Flatten()(c64)});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Concatenate(name='concatenate_1'): expected inputs whose shapes match"));
  }
  // A layer reused with an incompatible shape.
  auto dense = shared(Dense({.units = 2}));
  dense(Input({6}));
  EXPECT_THROW(
      {
        try {
          dense(Input({5}));
        } catch (const ShapeError& e) {
          EXPECT_THAT(e.what(), HasSubstr("Dense(name='dense_1'): expected input shape (None, 6)"));
          throw;
        }
      },
      ShapeError);
  // An output that needs an Input not given to the model.
  auto other = Input({8, 8, 3}, {.name = "other"});
  auto both = Add()({c32, Conv2D({.filters = 32, .padding = Padding::Same})(other)});
  try {
    Model(in, both);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("graph disconnected"));
    EXPECT_THAT(e.what(), HasSubstr("needs input 'other'"));
  }
  // An input no output uses.
  EXPECT_THAT([&] { Model({in, other}, {c32}); }, ::testing::ThrowsMessage<ConfigError>(HasSubstr(
                                                      "input 'other' is not connected to any output")));
  // Inputs that are not Input() tensors; a merge called on one tensor.
  EXPECT_THROW(Model(c32, c64), ConfigError);
  EXPECT_THROW(Add()({c32}), ConfigError);
  EXPECT_THROW(Dense({.units = 2})({c32, c64}), ConfigError);
}

TEST(Functional, GradientsThroughMergesFanOutSharedLayersAndNestedModels) {
  // Every merge, a tensor read three times, a shared Dense, a nested model.
  auto in1 = Input({5}), in2 = Input({5});
  auto dense = shared(Dense({.units = 4, .activation = "tanh"}));
  auto a = dense(in1), b = dense(in2);  // shared weights, gradient summed over both calls
  auto inner_in = Input({4});
  Model inner(inner_in, Dense({.units = 4, .activation = "sigmoid"})(inner_in), {.name = "inner"});
  auto c = inner(a);  // nested: its Dense shares weights with `inner`
  std::vector<KerasTensor> merged{Add()({a, b}),      Subtract()({a, c}), Multiply()({a, b, c}), Average()({b, c}),
                                  Maximum()({a, b}), Minimum()({b, c}),  Concatenate()({a, a})};
  auto out1 = Dense({.units = 3})(Concatenate()(merged));
  auto out2 = Dense({.units = 2})(c);
  Model m({in1, in2}, {out1, out2}, {.seed = 3});
  testing::GradcheckOptions o{.batch = 3, .distinct_inputs = true};
  o.eps = 1e-3;
  const testing::GradcheckResult r = testing::gradcheck_model(m, o);
  EXPECT_EQ(r.failure, "") << r.worst_where;
  EXPECT_GT(r.checked, 40);
}

TEST(Functional, ConvolutionalResidualGraphPassesGradcheck) {
  Model m = resnetish(4);
  testing::GradcheckOptions o{.batch = 4};
  // Small steps: a kernel step moves every conv output, and a larger one lets
  // global max pooling switch positions (errors shrink with the step: no bug).
  o.eps = 3e-4;
  const testing::GradcheckResult r = testing::gradcheck_model(m, o);
  EXPECT_EQ(r.failure, "") << r.worst_where;
}

TEST(Functional, SharedLayerGradientIsTheSumOverItsCalls) {
  // y = W x1 + W x2 through one shared Dense equals one Dense on x1 + x2.
  auto in1 = Input({3}), in2 = Input({3});
  auto dense = shared(Dense({.units = 2, .use_bias = false}));
  Model two({in1, in2}, {Add()({dense(in1), dense(in2)})}, {.seed = 1});
  two.compile(SGD({.learning_rate = 0.0}), "mse");
  auto in = Input({3});
  Model one(in, Dense({.units = 2, .use_bias = false})(in), {.seed = 1});
  one.compile(SGD({.learning_rate = 0.0}), "mse");
  one.set_weights(two.get_weights());
  Rng rng(2);
  const Tensor x1 = random_tensor({4, 3}, rng), x2 = random_tensor({4, 3}, rng), y = random_tensor({4, 2}, rng);
  Tensor sum({4, 3});
  for (int64_t i = 0; i < sum.size(); ++i) sum[i] = x1[i] + x2[i];
  EXPECT_NEAR(two.train_on_batch({x1, x2}, y).at("loss"), one.train_on_batch(sum, y).at("loss"), 1e-6);
  const Tensor g2 = to_keras_layout(*two.params()[0], two.params()[0]->grad);
  const Tensor g1 = to_keras_layout(*one.params()[0], one.params()[0]->grad);
  for (int64_t i = 0; i < g1.size(); ++i) EXPECT_NEAR(g2[i], g1[i], 1e-5) << i;
}

// Two inputs, two outputs: a softmax classifier over both inputs and a linear
// regressor over the second.
Model two_in_two_out(uint64_t seed) {
  auto in1 = Input({4}), in2 = Input({2});
  auto cls = Dense({.units = 3, .activation = "softmax", .name = "cls"})(Concatenate()({in1, in2}));
  auto reg = Dense({.units = 2, .name = "reg"})(in2);
  return Model({in1, in2}, {cls, reg}, {.seed = seed});
}

TEST(Functional, TwoOutputLossIsTheWeightedSumKerasComputes) {
  Model m = two_in_two_out(5);
  m.compile(SGD({.learning_rate = 0.0}), {"categorical_crossentropy", "mse"}, {"accuracy"},
            {.loss_weights = {0.5, 2.0}});
  EXPECT_THAT(m.metrics_names(),
              ::testing::ElementsAre("loss", "cls_loss", "reg_loss", "cls_accuracy", "reg_accuracy"));
  Rng rng(6);
  const int64_t n = 10;
  const Tensor x1 = random_tensor({n, 4}, rng), x2 = random_tensor({n, 2}, rng);
  const Tensor y1 = one_hot(n, 3, rng), y2 = random_tensor({n, 2}, rng);
  const TensorList p = m.predict({x1, x2});
  ASSERT_EQ(p.size(), 2u);
  double cce = 0, mse = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < 3; ++k) cce -= y1.at({i, k}) * std::log(std::clamp(p[0].at({i, k}), 1e-7f, 1 - 1e-7f));
    for (int64_t k = 0; k < 2; ++k) mse += std::pow(p[1].at({i, k}) - y2.at({i, k}), 2) / 2;
  }
  cce /= n;
  mse /= n;
  const Logs logs = m.evaluate({x1, x2}, {y1, y2}, {.batch_size = n});
  EXPECT_NEAR(logs.at("cls_loss"), cce, 1e-5);
  EXPECT_NEAR(logs.at("reg_loss"), mse, 1e-5);
  EXPECT_NEAR(logs.at("loss"), 0.5 * cce + 2.0 * mse, 1e-5);
  EXPECT_NEAR(m.train_on_batch({x1, x2}, {y1, y2}).at("loss"), 0.5 * cce + 2.0 * mse, 1e-5);
}

class TwoInputGenerator final : public Generator {
 public:
  Batch next() override {
    Rng rng(++calls_);
    return {TensorList({random_tensor({8, 4}, rng), random_tensor({8, 2}, rng)}),
            TensorList({one_hot(8, 3, rng), random_tensor({8, 2}, rng)}), {}};
  }

 private:
  uint64_t calls_ = 0;
};

TEST(Functional, TwoInputTwoOutputModelTrainsWithFitAndFitGenerator) {
  Model m = two_in_two_out(7);
  m.compile(SGD({.learning_rate = 0.1}), {"categorical_crossentropy", "mse"}, {"accuracy"});
  Rng rng(8);
  const Tensor x1 = random_tensor({64, 4}, rng), x2 = random_tensor({64, 2}, rng);
  const Tensor y1 = one_hot(64, 3, rng);
  Tensor y2({64, 2});
  for (int64_t i = 0; i < 64; ++i) y2.at({i, 0}) = x2.at({i, 1}), y2.at({i, 1}) = -x2.at({i, 0});  // learnable
  const History h = m.fit({x1, x2}, {y1, y2}, {.batch_size = 16, .epochs = 20, .verbose = 0, .validation_split = 0.25});
  EXPECT_LT(h.history.at("reg_loss").back(), 0.5 * h.history.at("reg_loss").front());
  EXPECT_TRUE(h.history.count("val_cls_accuracy"));
  TwoInputGenerator gen;
  const History g = m.fit_generator(gen, {.steps_per_epoch = 3, .epochs = 2, .verbose = 0});
  EXPECT_EQ(g.history.at("loss").size(), 2u);
  EXPECT_THROW(m.fit(x1, y1, {.verbose = 0}), ShapeError);  // one input array for a two-input model
}

TEST(Functional, GraphSavesLoadsAndResumesBitExactly) {
  testing::TempDir dir;
  Rng rng(9);
  const Tensor x = random_tensor({24, 8, 8, 3}, rng), y = one_hot(24, 3, rng);
  const FitOptions fit{.batch_size = 8, .epochs = 2, .verbose = 0};
  Model straight = resnetish(11);
  straight.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  straight.fit(x, y, fit);
  Model first = resnetish(11);
  first.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  first.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
  first.save(dir.path() / "ck.petal");
  Model resumed = load_model(dir.path() / "ck.petal");
  EXPECT_FALSE(resumed.is_sequential());
  EXPECT_EQ(resumed.summary(), first.summary());
  resumed.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .initial_epoch = 1});
  const auto a = straight.get_weights(), b = resumed.get_weights();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(max_abs_diff(a[i], b[i]), 0.0f) << straight.weight_names()[i];
}

// A crafted graph description: a cycle, an unknown tensor, a malformed reference.
TEST(Functional, CraftedGraphFilesGiveOneClearLine) {
  testing::TempDir dir;
  Model m = resnetish(1);
  m.save(dir.path() / "g.petal");
  NamedArrays arrays = load_npz(dir.path() / "g.petal");
  auto crafted = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    NamedArrays a = arrays;
    for (auto& [key, array] : a) {
      if (key != "petal_model.json") continue;
      auto doc = nlohmann::json::parse(array.to_string());
      edit(doc);
      array = NpyArray::from_string(doc.dump());
    }
    save_npz(dir.path() / name, a);
    return dir.path() / name;
  };
  auto refused = [](const std::filesystem::path& p, const std::string& what) {
    try {
      load_model(p);
      ADD_FAILURE() << "no error for " << p;
    } catch (const IoError& e) {
      EXPECT_THAT(e.what(), AllOf(HasSubstr(p.filename().string()), HasSubstr(what), Not(HasSubstr("json.exception")),
                                  Not(HasSubstr("\n"))));
    }
  };
  // conv2d_1 reads add_1's output, which needs conv2d_1: a cycle.
  refused(crafted("cycle.petal", [](auto& d) { d["layers"][1]["inbound_nodes"][0][0] = {"add_1", 0, 0}; }),
          "a missing layer or a cycle");
  refused(crafted("unknown.petal", [](auto& d) { d["output_layers"][0] = {"nowhere", 0, 0}; }), "unknown tensor");
  refused(crafted("ref.petal", [](auto& d) { d["layers"][1]["inbound_nodes"][0][0] = {1, "x", 0}; }),
          "[layer name, call index, 0]");
  refused(crafted("nolist.petal", [](auto& d) { d.erase("output_layers"); }), "output_layers");
  Model back = load_model(crafted("same.petal", [](auto&) {}));
  EXPECT_EQ(back.summary(), m.summary());
}

}  // namespace
}  // namespace petal
