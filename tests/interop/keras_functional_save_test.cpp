// Graph models as Keras 2.2.4 model files: a model with two inputs, two outputs,
// a shared layer and most of the layer vocabulary is written as class_name
// "Model" with inbound_nodes; tests/reference/keras_load_check.py accepts it the
// way Keras 2.2.4's load_model reads it (and accepts a file Keras 2.2.4 wrote);
// NumPy's forward pass of the file predicts what petal does; loaded back, it
// predicts and trains on exactly as before.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "interop/keras_fixtures.h"
#include "petal/interop/keras.h"
#include "petal/io/npy.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/layer_normalization.h"
#include "petal/layers/merge.h"
#include "petal/layers/noise_layers.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/layers/reshaping.h"
#include "petal/layers/separable_conv2d.h"
#include "petal/layers/up_sampling2d.h"
#include "petal/optimizers/adam.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

Model vocabulary_graph() {
  KerasTensor image = Input({8, 8, 3}, {.name = "image"});
  KerasTensor extra = Input({5}, {.name = "extra"});
  KerasTensor x = Conv2D({.filters = 4, .padding = Padding::Same, .dilation_rate = {2, 2}})(image);
  x = ReLU({.max_value = 6.0f})(BatchNormalization({.momentum = 0.5f})(x));
  auto shared = petal::shared(DepthwiseConv2D({.padding = Padding::Same}));
  KerasTensor a = LeakyReLU({.alpha = 0.2f})(shared(x));
  KerasTensor b = ELU()(shared(SeparableConv2D({.filters = 4, .padding = Padding::Same})(x)));
  KerasTensor m = Maximum()({Add()({a, b}), Subtract()({a, b}), Average()({a, b})});
  m = Multiply()({m, PReLU({.shared_axes = {1, 2}})(m)});
  m = Minimum()({m, a});
  KerasTensor up = Cropping2D({.cropping = Sides2D(1, 1)})(UpSampling2D()(m));                  // [14, 14, 4]
  up = MaxPooling2D({.pool_size = {2, 2}})(ZeroPadding2D({.padding = Sides2D(1, 1)})(up));    // [8, 8, 4]
  KerasTensor joined = Concatenate()({m, SpatialDropout2D(0.2f)(up)});
  joined = GaussianDropout(0.1f)(GaussianNoise(0.1f)(joined));
  KerasTensor seq = Permute({.dims = {2, 1}})(Reshape({.target_shape = {64, 8}})(joined));      // [8, 64]
  KerasTensor pooled = GlobalMaxPooling2D()(joined);
  KerasTensor e = Dropout(0.3f)(Dense({.units = 4, .activation = "tanh"})(extra));
  KerasTensor out1 = Dense({.units = 3, .activation = "softmax", .name = "kind"})(Concatenate()({pooled, e}));
  KerasTensor out2 = Softmax()(Dense({.units = 2})(Flatten()(seq)));
  return Model({image, extra}, {out1, out2}, {.seed = 6, .name = "vocabulary"});
}

TensorList graph_inputs(int64_t n, uint64_t seed) {
  Rng rng(seed);
  Tensor img({n, 8, 8, 3}), extra({n, 5});
  for (float& v : img.values()) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : extra.values()) v = static_cast<float>(rng.uniform(-1, 1));
  return TensorList({img, extra});
}

TensorList graph_targets(int64_t n) {
  Tensor y1({n, 3}), y2({n, 2});
  for (int64_t i = 0; i < n; ++i) y1.at({i, i % 3}) = 1, y2.at({i, (i / 2) % 2}) = 1;
  return TensorList({y1, y2});
}

json load_check(const fs::path& file, int& status) {
  std::string log;
  status = testing::run_python("tests/reference/keras_load_check.py", "'" + file.string() + "'", log);
  return json::parse(log);
}

TEST(KerasFunctionalFile, GraphModelRoundTripsAndPassesKeras224sChecks) {
  if (const std::string why = testing::python_unavailable("numpy h5py scipy"); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  Model model = vocabulary_graph();
  model.compile(Adam({.learning_rate = 0.01}), {"categorical_crossentropy", "categorical_crossentropy"}, {"accuracy"},
                {.loss_weights = {1.0, 0.5}});
  const TensorList x = graph_inputs(6, 1), y = graph_targets(6);
  for (int i = 0; i < 3; ++i) model.train_on_batch(x, y);
  model.save(dir / "graph.h5");

  int status = -1;
  const json report = load_check(dir / "graph.h5", status);
  EXPECT_EQ(status, 0) << report.dump(1);
  EXPECT_EQ(report["output_shapes"], json::parse("[[3], [2]]"));
  EXPECT_EQ(report["optimizer"]["class_name"], "Adam");
  EXPECT_EQ(report["optimizer"]["iterations"], 3);

  // NumPy's forward pass of the written file.
  save_npy(dir / "x0.npy", NpyArray::from_tensor(x[0]));
  save_npy(dir / "x1.npy", NpyArray::from_tensor(x[1]));
  std::string log;
  ASSERT_EQ(testing::run_python("tests/reference/keras_numpy_forward.py",
                                "'" + (dir / "graph.h5").string() + "' '" + (dir / "x0.npy").string() + "," +
                                    (dir / "x1.npy").string() + "' '" + (dir / "y0.npy").string() + "," +
                                    (dir / "y1.npy").string() + "'",
                                log),
            0)
      << log;
  const TensorList ours = model.predict(x);
  for (int o = 0; o < 2; ++o) {
    const Tensor numpy = load_npy(dir / ("y" + std::to_string(o) + ".npy")).to_tensor();
    EXPECT_LE(max_abs_diff(ours[o], numpy), 1e-5f) << "output " << o;
  }

  // Loaded back: the same graph, predictions, compile settings and optimizer state.
  Model back = load_keras_model(dir / "graph.h5", {.seed = 6});
  EXPECT_FALSE(back.is_sequential());
  EXPECT_EQ(back.output_names(), model.output_names());
  EXPECT_EQ(back.loss_weights(), (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(back.optimizer().iterations(), 3);
  const TensorList theirs = back.predict(x);
  for (int o = 0; o < 2; ++o) EXPECT_EQ(max_abs_diff(ours[o], theirs[o]), 0.0f);
  const Logs a = model.train_on_batch(x, y), b = back.train_on_batch(x, y);
  EXPECT_EQ(a.get("loss"), b.get("loss"));
  const auto wa = model.get_weights(), wb = back.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_LE(max_abs_diff(wa[i], wb[i]), 1e-6f) << model.weight_names()[i];
}

// The check is Keras 2.2.4's view: a file Keras 2.2.4 itself wrote passes; a
// class Keras 2.2.4 lacks (petal writes tf.keras's config) is flagged.
TEST(KerasFunctionalFile, LoadCheckAcceptsKerasOwnFileAndFlagsTfKerasOnlyClasses) {
  if (const std::string why = testing::python_unavailable("numpy h5py"); !why.empty()) GTEST_SKIP() << why;
  int status = -1;
  const std::string dir = testing::keras_h5_dir();
  if (!dir.empty()) {
    const json real = load_check(fs::path(dir) / "func_resnet20v1_cifar10_add_k2.2.4.h5", status);
    EXPECT_EQ(status, 0) << real.dump(1);
    EXPECT_EQ(real["output_shape"], json::parse("[10]"));
  }
  testing::TempDir tmp;
  KerasTensor in = Input({6});
  Model m(in, Dense({.units = 2})(LayerNormalization()(Dense({.units = 4})(in))));
  save_keras_model(m, tmp / "ln.h5");
  const json report = load_check(tmp / "ln.h5", status);
  EXPECT_EQ(status, 1);
  EXPECT_THAT(report["errors"].dump(), ::testing::HasSubstr("class 'LayerNormalization' unknown to Keras 2.2.4"));
  Model back = load_keras_model(tmp / "ln.h5");  // petal reads tf.keras's keys back
  Tensor x({2, 6});
  x.fill(0.5f);
  x[3] = -1.0f;
  EXPECT_EQ(max_abs_diff(m.predict(x), back.predict(x)), 0.0f);
}

}  // namespace
}  // namespace petal
