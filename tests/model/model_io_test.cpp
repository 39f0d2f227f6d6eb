// Model files: round trip, resume equals an uninterrupted run bit for bit, and
// clear errors for truncated, corrupt, wrong-version and missing files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "petal/callbacks/model_checkpoint.h"
#include "petal/core/error.h"
#include "petal/io/npz.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/sgd.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

Sequential cnn(uint64_t seed) {
  Sequential m({.seed = seed, .input_shape = {8, 8, 3}});
  m.add(Conv2D({.filters = 4, .padding = Padding::Same}));
  m.add(Activation("relu"));
  m.add(BatchNormalization());
  m.add(MaxPooling2D());
  m.add(Dropout(0.25f));
  m.add(Flatten());
  m.add(Dense({.units = 16, .activation = "relu"}));
  m.add(Dropout(0.5f));
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9, .nesterov = true, .decay = 0.01}), "categorical_crossentropy",
            {"accuracy"});
  return m;
}

void data(Tensor& x, Tensor& y) {
  Rng rng(17);
  x = Tensor({20, 8, 8, 3});
  y = Tensor({20, 3});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform());
  for (int64_t i = 0; i < 20; ++i) y.at({i, i % 3}) = 1;
}

void expect_same_weights(Model& a, Model& b) {
  const auto wa = a.get_weights(), wb = b.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_EQ(max_abs_diff(wa[i], wb[i]), 0.0f) << a.weight_names()[i];
}

TEST(ModelFile, RoundTripRestoresArchitectureWeightsOptimizerAndPosition) {
  testing::TempDir dir;
  Tensor x, y;
  data(x, y);
  Sequential m = cnn(1);
  m.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0});
  m.save(dir.path() / "m.petal");
  Model r = load_model(dir.path() / "m.petal");
  EXPECT_EQ(r.summary(), m.summary());
  expect_same_weights(m, r);
  EXPECT_EQ(r.optimizer().name(), "SGD");
  EXPECT_EQ(r.optimizer().iterations(), m.optimizer().iterations());
  EXPECT_EQ(r.epochs_completed(), 2);
  EXPECT_EQ(r.metrics_names(), m.metrics_names());
  EXPECT_LT(max_abs_diff(r.predict(x), m.predict(x)), 1e-6f);
  // Readable as a plain NumPy archive with Keras names and shapes.
  const NamedArrays arrays = load_npz(dir.path() / "m.petal");
  EXPECT_EQ(find_array(arrays, "dense_1/kernel:0", "test").shape(), (Shape{64, 16}));
  EXPECT_EQ(find_array(arrays, "conv2d_1/kernel:0", "test").shape(), (Shape{3, 3, 3, 4}));
}

TEST(ModelFile, ResumedRunEndsWithExactlyTheUninterruptedWeights) {
  testing::TempDir dir;
  Tensor x, y;
  data(x, y);
  Sequential straight = cnn(5);
  straight.fit(x, y, {.batch_size = 8, .epochs = 4, .verbose = 0});

  Sequential first = cnn(5);
  auto ck = std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{.filepath = (dir.path() / "ck.petal").string()});
  first.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .callbacks = {ck}});  // then "killed"
  Model resumed = load_model(dir.path() / "ck.petal");
  resumed.fit(x, y, {.batch_size = 8, .epochs = 4, .verbose = 0, .initial_epoch = resumed.epochs_completed()});
  expect_same_weights(straight, resumed);
  EXPECT_EQ(resumed.optimizer().iterations(), straight.optimizer().iterations());
}

TEST(ModelFile, AdamStateSurvivesSaveAndLoad) {
  testing::TempDir dir;
  Tensor x, y;
  data(x, y);
  auto make = [] {
    Sequential m({.seed = 2, .input_shape = {8, 8, 3}});
    m.add(Flatten());
    m.add(Dense({.units = 3, .activation = "softmax"}));
    m.compile(Adam({.learning_rate = 0.01, .amsgrad = true}), "categorical_crossentropy");
    return m;
  };
  Sequential a = make();
  a.fit(x, y, {.batch_size = 10, .epochs = 1, .verbose = 0, .shuffle = false});
  a.save(dir.path() / "a.petal");
  Model b = load_model(dir.path() / "a.petal");
  a.fit(x, y, {.batch_size = 10, .epochs = 2, .verbose = 0, .shuffle = false, .initial_epoch = 1});
  b.fit(x, y, {.batch_size = 10, .epochs = 2, .verbose = 0, .shuffle = false, .initial_epoch = 1});
  expect_same_weights(a, b);
}

TEST(ModelFile, BadFilesGiveClearErrors) {
  testing::TempDir dir;
  Sequential m = cnn(3);
  const auto good = dir.path() / "good.petal";
  m.save(good);
  EXPECT_THROW(load_model(dir.path() / "missing.petal"), IoError);

  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto truncated = dir.path() / "truncated.petal";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  try {
    load_model(truncated);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("truncated.petal"));
  }
  const auto text = dir.path() / "text.petal";
  std::ofstream(text) << "not a model";
  EXPECT_THROW(load_model(text), IoError);

  // A valid archive from a future version.
  NamedArrays arrays = load_npz(good);
  for (auto& [name, a] : arrays) {
    if (name == "petal_model.json") {
      std::string j = a.to_string();
      j.replace(j.find("\"version\":2"), 11, "\"version\":9");
      a = NpyArray::from_string(j);
    }
  }
  save_npz(dir.path() / "future.petal", arrays);
  try {
    load_model(dir.path() / "future.petal");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expected model file version 1 to 2; received version 9"));
  }
  // Weights of the wrong shape name the weight.
  Sequential other({.input_shape = {8, 8, 3}});
  other.add(Flatten());
  other.add(Dense({.units = 4}));
  other.save_weights(dir.path() / "w.npz");
  Sequential narrow({.input_shape = {8, 8, 3}});
  narrow.add(Flatten());
  narrow.add(Dense({.units = 5}));
  try {
    narrow.load_weights(dir.path() / "w.npz");
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("dense_1/kernel:0"));
  }
}

TEST(ModelFile, SaveIsAtomicAndLeavesNoTemporaryFiles) {
  testing::TempDir dir;
  Sequential m = cnn(4);
  m.save(dir.path() / "m.petal");
  m.save(dir.path() / "m.petal");  // overwrite
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename(), "m.petal");
  }
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace petal
