// Real Keras Sequential files load into petal and predict what Keras predicts:
// the DL4J file's own reference predictions, and a NumPy forward pass
// (tests/reference/keras_numpy_forward.py) for the trained models; their
// optimizer state comes along and training continues. Weights-only files load
// into the matching petal models.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "interop/keras_fixtures.h"
#include "interop/keras_h5.h"
#include "interop/keras_sequential.h"
#include "petal/interop/keras.h"
#include "petal/io/npy.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

#define REQUIRE_KERAS_FILES()                                              \
  const std::string dir = testing::keras_h5_dir();                         \
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;                 \
  const std::string why = testing::python_unavailable("numpy h5py");      \
  if (!why.empty()) GTEST_SKIP() << why

Tensor uniform_input(const Shape& shape, double lo, double hi, uint64_t seed) {
  Rng rng(seed);
  Tensor t(shape);
  for (float& v : t.values()) v = static_cast<float>(rng.uniform(lo, hi));
  return t;
}

// NumPy's float64 forward pass of `weights` (architecture from the file or `config`).
Tensor numpy_forward(const fs::path& weights, const Tensor& x, const testing::TempDir& tmp, const std::string& config = "") {
  save_npy(tmp / "x.npy", NpyArray::from_tensor(x));
  std::string log;
  const std::string args = "'" + weights.string() + "' '" + (tmp / "x.npy").string() + "' '" + (tmp / "y.npy").string() +
                           "'" + (config.empty() ? "" : " --config '" + config + "'");
  if (testing::run_python("tests/reference/keras_numpy_forward.py", args, log) != 0) {
    ADD_FAILURE() << log;
    return Tensor();
  }
  return load_npy(tmp / "y.npy").to_tensor();
}

TEST(KerasRealModels, Dl4jBatchNormCnnReproducesKerasPredictions) {
  REQUIRE_KERAS_FILES();
  const fs::path base = fs::path(dir) / "seq_cnn_batchnorm_dl4j_k2.1.3";
  Model m = load_keras_model(base.string() + ".h5");
  const Tensor x = load_npy(base.string() + ".input.npy").to_tensor();       // float64 (5, 10, 10, 3)
  const Tensor keras = load_npy(base.string() + ".predictions.npy").to_tensor();  // Keras's predict
  const Tensor ours = m.predict(x);
  ASSERT_EQ(ours.shape(), (Shape{5, 1}));
  const float diff = max_abs_diff(ours, keras);
  EXPECT_LE(diff, 1e-4f);
  RecordProperty("max_abs_diff", std::to_string(diff));
  std::cout << "seq_cnn_batchnorm_dl4j_k2.1.3: max |petal - Keras| = " << diff << "\n";
  ASSERT_TRUE(m.compiled());  // Adam + mse, never trained: no optimizer state
  EXPECT_EQ(m.loss(), Loss::MeanSquaredError);
  EXPECT_EQ(m.optimizer().iterations(), 0);
}

struct TrainedFile {
  const char* name;
  Shape input;
  double lo, hi;
  const char* optimizer;
  int64_t iterations;
};

TEST(KerasRealModels, TrainedSequentialFilesPredictAsNumpyAndKeepTraining) {
  REQUIRE_KERAS_FILES();
  testing::TempDir tmp;
  const TrainedFile files[] = {
      {"seq_minivggnet_elu_bn_cifar10_k2.1.3.h5", {32, 32, 3}, -2, 2, "RMSprop", 0},  // 2.1.3 RMSprop: no counter saved
      {"seq_shallownet_animals_k2.2.2.hdf5", {32, 32, 3}, 0, 1, "SGD", 7100},
      {"seq_shapes_cnn_k2.3.1.h5", {28, 28, 3}, 0, 1, "RMSprop", -1},  // 2.3.1 saves the counter
  };
  for (const auto& f : files) {
    SCOPED_TRACE(f.name);
    const fs::path path = fs::path(dir) / f.name;
    Model m = load_keras_model(path, {.seed = 1});
    EXPECT_EQ(m.input_shape(), f.input);
    const Tensor x = uniform_input(with_batch(4, f.input), f.lo, f.hi, 9);
    const Tensor reference = numpy_forward(path, x, tmp);
    const float diff = max_abs_diff(m.predict(x), reference);
    EXPECT_LE(diff, 1e-4f);
    std::cout << f.name << ": max |petal - NumPy| = " << diff << "\n";
    // Optimizer state as the file has it.
    const auto file = detail::read_keras_file(path);
    ASSERT_TRUE(m.compiled());
    EXPECT_EQ(m.optimizer().name(), f.optimizer);
    EXPECT_EQ(m.optimizer().iterations(), f.iterations >= 0 ? f.iterations : *file.optimizer_weights.iterations);
    Param* first = m.layers()[0]->params()[0];
    if (m.optimizer().has_slots(*first)) {  // RMSprop: accumulators after the counter (if any)
      const size_t at = file.optimizer_weights.iterations ? 1 : 0;
      EXPECT_EQ(max_abs_diff(to_keras_layout(*first, m.optimizer().slots(*first)[0]), file.optimizer_weights.values[at]), 0.0f);
    }
    // Training continues from there.
    Tensor y({4, m.output_shape().back()});
    for (int64_t i = 0; i < 4; ++i) y.at({i, i % y.dim(1)}) = 1;
    const double loss = m.train_on_batch(x, y).at("loss");
    EXPECT_TRUE(std::isfinite(loss)) << loss;
  }
}

TEST(KerasRealModels, WeightsFilesLoadIntoMatchingModels) {
  REQUIRE_KERAS_FILES();
  testing::TempDir tmp;
  // The save_weights twin of seq_shapes_cnn holds the same values.
  Model shapes = load_keras_model(fs::path(dir) / "seq_shapes_cnn_k2.3.1.h5", {.compile = false});
  const auto from_model_file = shapes.get_weights();
  for (Param* p : shapes.params()) p->value.fill(0.0f);
  load_keras_weights(shapes, fs::path(dir) / "weights_shapes_cnn_k2.3.1.h5");
  const auto from_weights_file = shapes.get_weights();
  for (size_t i = 0; i < from_model_file.size(); ++i) EXPECT_EQ(max_abs_diff(from_model_file[i], from_weights_file[i]), 0.0f);

  // weights_mnist_cnn_k2.2.0.h5: the architecture of its keras_cnn.py, built in petal.
  for (const bool by_name : {false, true}) {
    Sequential mnist({.seed = 2, .input_shape = {28, 28, 1}});
    mnist.add(Conv2D({.filters = 32, .kernel_size = {3, 3}, .padding = Padding::Same, .name = "conv1_1"}));
    mnist.add(Conv2D({.filters = 60, .kernel_size = {3, 3}, .strides = {2, 2}, .name = "conv1_2"}));
    mnist.add(Activation("relu"));
    mnist.add(MaxPooling2D({.pool_size = {2, 2}, .name = "maxpool1"}));  // the script's later name: by_name skips it
    mnist.add(Dropout(0.25f));
    mnist.add(Flatten());
    mnist.add(Dense({.units = 128, .name = "dense_1"}));
    mnist.add(Activation("relu"));
    mnist.add(Dropout(0.5f));
    mnist.add(Dense({.units = 10, .name = "dense_2"}));
    mnist.add(Activation("softmax"));
    const fs::path weights = fs::path(dir) / "weights_mnist_cnn_k2.2.0.h5";
    load_keras_weights(mnist, weights, by_name);
    // NumPy runs the file's weights through the architecture petal exports.
    std::ofstream(tmp / "mnist.json") << detail::keras_sequential_config(mnist).dump();
    const Tensor x = uniform_input({3, 28, 28, 1}, 0, 1, 4);
    const float diff = max_abs_diff(mnist.predict(x), numpy_forward(weights, x, tmp, (tmp / "mnist.json").string()));
    EXPECT_LE(diff, 1e-4f) << "by_name " << by_name;
  }

  // hls4ml's Keras 2.0.0 Sequential: architecture JSON + save_weights file.
  const fs::path json_path = fs::path(dir) / "weights_hls4ml_conv2d_k2.0.0.json";
  std::ifstream in(json_path);
  Sequential hls = sequential_from_keras_json(std::string((std::istreambuf_iterator<char>(in)), {}), 3);
  const fs::path hls_weights = fs::path(dir) / "weights_hls4ml_conv2d_k2.0.0.h5";
  load_keras_weights(hls, hls_weights);
  const Tensor x = uniform_input({5, 8, 8, 1}, -1, 1, 5);
  EXPECT_LE(max_abs_diff(hls.predict(x), numpy_forward(hls_weights, x, tmp, json_path.string())), 1e-5f);
}

}  // namespace
}  // namespace petal
