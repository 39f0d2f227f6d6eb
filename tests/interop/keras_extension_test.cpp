// Formats by extension, as Keras: Model::save, save_weights, load_weights,
// load_model and ModelCheckpoint write and read Keras HDF5 files for .h5 /
// .hdf5 paths (any case) and petal's own archives otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "interop/keras_h5.h"
#include "petal/callbacks/model_checkpoint.h"
#include "petal/core/error.h"
#include "petal/interop/keras.h"
#include "petal/io/npz.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "petal/optimizers/adam.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

namespace fs = std::filesystem;

Tensor inputs(int64_t n, uint64_t seed) {
  Rng rng(seed);
  Tensor x({n, 6, 6, 2});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(-1, 1));
  return x;
}

Tensor targets(int64_t n) {
  Tensor y({n, 3});
  for (int64_t i = 0; i < n; ++i) y.at({i, i % 3}) = 1.0f;
  return y;
}

// A small graph model with a residual Add, compiled and trained two steps.
Model trained_graph(uint64_t seed) {
  KerasTensor in = Input({6, 6, 2});
  KerasTensor c = Conv2D({.filters = 2, .padding = Padding::Same, .activation = "relu"})(in);
  KerasTensor x = Add()({in, c});
  Model m(in, Dense({.units = 3, .activation = "softmax"})(Flatten()(x)), {.seed = seed});
  m.compile(Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  for (int i = 0; i < 2; ++i) m.train_on_batch(inputs(6, 1), targets(6));
  return m;
}

TEST(KerasByExtension, SaveAndLoadModelPickTheFormatFromTheExtension) {
  testing::TempDir dir;
  const Model m = trained_graph(3);
  const Tensor x = inputs(4, 2);
  for (const char* name : {"m.h5", "m.hdf5", "M.H5", "m.petal", "m.model"}) {
    SCOPED_TRACE(name);
    m.save(dir / name);
    const bool keras = is_keras_hdf5_path(dir / name);
    if (keras) {
      const auto file = detail::read_keras_file(dir / name);  // Keras's layout
      EXPECT_EQ(file.keras_version, "2.2.4");
      EXPECT_THAT(file.model_config, ::testing::HasSubstr("\"class_name\":\"Model\""));
    } else {
      EXPECT_NO_THROW(load_npz(dir / name));  // petal's own archive
      EXPECT_THROW(detail::read_keras_file(dir / name), IoError);
    }
    Model back = load_model(dir / name);
    EXPECT_FALSE(back.is_sequential());
    EXPECT_EQ(max_abs_diff(const_cast<Model&>(m).predict(x), back.predict(x)), 0.0f);
    ASSERT_TRUE(back.compiled());
    EXPECT_EQ(back.optimizer().iterations(), 2);
  }
  EXPECT_TRUE(is_keras_hdf5_path("a/b.Hdf5"));
  EXPECT_FALSE(is_keras_hdf5_path("a/h5"));
  EXPECT_FALSE(is_keras_hdf5_path("model.h5.petal"));
}

TEST(KerasByExtension, WeightsByExtensionByOrderAndByName) {
  testing::TempDir dir;
  const Model m = trained_graph(3);
  m.save_weights(dir / "w.h5");
  const auto file = detail::read_keras_file(dir / "w.h5");
  EXPECT_FALSE(file.full_model());
  std::vector<std::string> names;
  for (const auto& l : file.weights.layers) names.push_back(l.layer);
  EXPECT_EQ(names, (std::vector<std::string>{"input_1", "conv2d_1", "add_1", "flatten_1", "dense_1"}));
  m.save_weights(dir / "w.npz");
  EXPECT_NO_THROW(load_npz(dir / "w.npz"));
  const Tensor x = inputs(4, 5);
  for (const char* path : {"w.h5", "w.npz"}) {
    for (const bool by_name : {false, true}) {
      Model other = trained_graph(8);  // same architecture, other weights
      EXPECT_GT(max_abs_diff(const_cast<Model&>(m).predict(x), other.predict(x)), 0.0f);
      other.load_weights(dir / path, by_name);
      EXPECT_EQ(max_abs_diff(const_cast<Model&>(m).predict(x), other.predict(x)), 0.0f) << path << " " << by_name;
    }
  }
  // By name, a model with other layer names takes nothing; by order it takes all.
  Sequential renamed({.seed = 1, .input_shape = {6, 6, 2}});
  renamed.add(Conv2D({.filters = 2, .padding = Padding::Same, .name = "first"}));
  renamed.add(Flatten());
  renamed.add(Dense({.units = 3, .name = "last"}));
  const auto initial = renamed.get_weights();
  renamed.load_weights(dir / "w.h5", true);
  EXPECT_EQ(max_abs_diff(renamed.get_weights()[0], initial[0]), 0.0f);
  renamed.load_weights(dir / "w.h5");
  EXPECT_EQ(max_abs_diff(renamed.get_weights()[0], const_cast<Model&>(m).get_weights()[0]), 0.0f);
}

TEST(KerasByExtension, ModelCheckpointWritesKerasFilesForH5Paths) {
  testing::TempDir dir;
  for (const bool weights_only : {false, true}) {
    SCOPED_TRACE(weights_only);
    Model m = trained_graph(3);
    const std::string pattern = (dir / (std::string(weights_only ? "w" : "m") + ".{epoch:02d}.h5")).string();
    auto checkpoint = std::make_shared<ModelCheckpoint>(
        ModelCheckpointOptions{.filepath = pattern, .save_weights_only = weights_only});
    m.fit(inputs(6, 1), targets(6), {.batch_size = 3, .epochs = 2, .verbose = 0, .callbacks = {checkpoint}});
    for (const char* epoch : {"01", "02"}) {
      const fs::path p = dir / (std::string(weights_only ? "w" : "m") + "." + epoch + ".h5");
      ASSERT_TRUE(fs::exists(p)) << p;
      EXPECT_EQ(detail::read_keras_file(p).full_model(), !weights_only) << p;
    }
    const fs::path last = dir / (std::string(weights_only ? "w" : "m") + ".02.h5");
    if (weights_only) {
      Model other = trained_graph(9);
      other.load_weights(last);
      EXPECT_EQ(max_abs_diff(m.predict(inputs(3, 4)), other.predict(inputs(3, 4))), 0.0f);
    } else {
      EXPECT_EQ(max_abs_diff(m.predict(inputs(3, 4)), load_model(last).predict(inputs(3, 4))), 0.0f);
    }
  }
}

}  // namespace
}  // namespace petal
