// Functional Keras files: every real func_*.h5 file either loads into a petal
// graph model that predicts like a float64 NumPy forward pass of the file
// (tests/reference/keras_numpy_forward.py) and keeps training with fit, or is
// refused naming the layer or setting petal lacks. Weights-only files load into
// the models built from their architecture JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>

#include "interop/keras_fixtures.h"
#include "interop/keras_h5.h"
#include "petal/core/error.h"
#include "petal/interop/keras.h"
#include "petal/io/npy.h"
#include "petal/optimizers/adam.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

namespace fs = std::filesystem;

// NumPy's float64 forward pass of the file (architecture from it or `config`),
// one output per model output.
std::vector<Tensor> numpy_forward(const fs::path& weights, const TensorList& xs, const testing::TempDir& tmp,
                                  size_t outputs, const std::string& config = "") {
  std::string ins, outs;
  for (size_t i = 0; i < xs.size(); ++i) {
    save_npy(tmp / ("x" + std::to_string(i) + ".npy"), NpyArray::from_tensor(xs[i]));
    ins += (i ? "," : "") + (tmp / ("x" + std::to_string(i) + ".npy")).string();
  }
  for (size_t o = 0; o < outputs; ++o) outs += (o ? "," : "") + (tmp / ("y" + std::to_string(o) + ".npy")).string();
  std::string log;
  const std::string args = "'" + weights.string() + "' '" + ins + "' '" + outs + "'" +
                           (config.empty() ? "" : " --config '" + config + "'");
  std::vector<Tensor> ys;
  if (testing::run_python("tests/reference/keras_numpy_forward.py", args, log) != 0) {
    ADD_FAILURE() << log;
    return ys;
  }
  for (size_t o = 0; o < outputs; ++o) ys.push_back(load_npy(tmp / ("y" + std::to_string(o) + ".npy")).to_tensor());
  return ys;
}

TensorList uniform_inputs(const Model& m, int64_t n, double lo, double hi, uint64_t seed) {
  Rng rng(seed);
  std::vector<Tensor> xs;
  for (const Shape& s : m.input_shapes()) {
    Tensor t(with_batch(n, s));
    for (float& v : t.values()) v = static_cast<float>(rng.uniform(lo, hi));
    xs.push_back(t);
  }
  return TensorList(std::move(xs));
}

// Largest |petal - NumPy| over the outputs.
float compare_with_numpy(Model& m, const fs::path& file, const TensorList& xs, const testing::TempDir& tmp,
                         const std::string& config = "") {
  const TensorList ours = m.predict(xs);
  const auto reference = numpy_forward(file, xs, tmp, ours.size(), config);
  float diff = 0;
  EXPECT_EQ(reference.size(), ours.size());
  for (size_t o = 0; o < reference.size() && o < ours.size(); ++o) {
    EXPECT_EQ(ours[o].shape(), reference[o].shape());
    if (ours[o].shape() == reference[o].shape()) diff = std::max(diff, max_abs_diff(ours[o], reference[o]));
  }
  return diff;
}

// A few fit steps on cycling one-hot targets; the loss is finite and the weights move.
void keep_training(Model& m, const TensorList& xs) {
  if (!m.compiled()) {
    m.compile(Adam({.learning_rate = 1e-3}),
              std::vector<LossSpec>(m.output_shapes().size(), LossSpec("categorical_crossentropy")));
  }
  std::vector<Tensor> ys;
  for (const Shape& s : m.output_shapes()) {
    Tensor y(with_batch(xs.rows(), s));
    for (int64_t i = 0; i < xs.rows(); ++i) y.at({i, i % s.back()}) = 1.0f;
    ys.push_back(y);
  }
  const auto before = m.get_weights();
  const History h = m.fit(xs, TensorList(ys), {.batch_size = 2, .epochs = 2, .verbose = 0});
  EXPECT_TRUE(std::isfinite(h.at("loss").back()));
  const auto after = m.get_weights();
  float moved = 0;
  for (size_t i = 0; i < after.size(); ++i) moved = std::max(moved, max_abs_diff(before[i], after[i]));
  EXPECT_GT(moved, 0.0f);
}

struct RealFile {
  const char* name;
  bool compile;            // false where the training_config asks for what petal lacks
  double lo, hi;           // input range
  const char* optimizer;   // after loading with compile (empty: no training_config)
};

TEST(KerasFunctional, RealFilesLoadPredictAsNumpyAndKeepTraining) {
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  if (const std::string why = testing::python_unavailable("numpy h5py scipy"); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir tmp;
  const RealFile files[] = {
      {"func_inception_mnist_concat_k2.1.6-tf.h5", true, 0, 1, "RMSprop"},
      {"func_mlp_residual_add_bn_k2.2.4-tf.h5", true, -2, 2, ""},
      {"func_resnet20v1_cifar10_add_k2.2.4.h5", true, -2, 2, "Adam"},
      {"func_resnet_bottleneck_shapes_add_k2.3.0-tf.h5", false, 60, 140, ""},  // metric mse; noise saturates it
      {"func_resnet_cifar10_add_bn_k2.13.1.h5", true, 0, 1, "Adam"},
      {"func_resnet_cifar10_add_k2.10.0.h5", false, 0, 1, ""},          // SparseCategoricalCrossentropy(from_logits)
      {"func_shared_dense_concat_2in2out_k2.2.0.h5", false, 0, 1, ""},  // Adadelta
  };
  for (const auto& f : files) {
    SCOPED_TRACE(f.name);
    const fs::path path = fs::path(dir) / f.name;
    Model m = load_keras_model(path, {.compile = f.compile, .seed = 1});
    EXPECT_FALSE(m.is_sequential());
    EXPECT_EQ(m.compiled(), std::string(f.optimizer) != "");
    if (m.compiled()) {
      EXPECT_EQ(m.optimizer().name(), f.optimizer);
    }
    const TensorList xs = uniform_inputs(m, 3, f.lo, f.hi, 11);
    // Not a vacuous comparison: some prediction is not saturated.
    float least_confident = 1.0f;
    for (const Tensor& p : m.predict(xs)) {
      for (int64_t r = 0; r < p.dim(0); ++r) {
        float top = 0;
        for (int64_t c = 0; c < p.dim(1); ++c) top = std::max(top, p.at({r, c}));
        least_confident = std::min(least_confident, top);
      }
    }
    EXPECT_LT(least_confident, 0.999f);
    const float diff = compare_with_numpy(m, path, xs, tmp);
    EXPECT_LE(diff, 1e-4f);
    std::cout << f.name << ": " << m.layers().size() << " layers, max |petal - NumPy| = " << diff << "\n";
    keep_training(m, xs);
  }
}

TEST(KerasFunctional, RealFilesPetalCannotTakeNameTheReason) {
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  auto error_of = [](const fs::path& p, bool compile) {
    try {
      load_keras_model(p, {.compile = compile});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(loaded)");
  };
  const fs::path densenet = fs::path(dir) / "func_densenet_mnist_concat_lambda_k2.2.4.h5";
  EXPECT_THAT(error_of(densenet, true), ::testing::StartsWith("'" + densenet.string() +
                                                              "': Keras layer 'lambda_1' has class Lambda, which petal "
                                                              "does not support; supported classes: InputLayer, Conv2D"));
  const fs::path logits = fs::path(dir) / "func_resnet_cifar10_add_k2.10.0.h5";
  EXPECT_EQ(error_of(logits, true),
            "'" + logits.string() + "': cannot compile as the file's training_config says: "
            "SparseCategoricalCrossentropy(name='sparse_categorical_crossentropy'): Keras field 'from_logits': expected "
            "false; received true.\nHint: load with compile = false (KerasLoadOptions) and compile in petal.");
  const fs::path adadelta = fs::path(dir) / "func_shared_dense_concat_2in2out_k2.2.0.h5";
  EXPECT_THAT(error_of(adadelta, true), ::testing::HasSubstr("Keras optimizer Adadelta is not supported"));
  const fs::path mse = fs::path(dir) / "func_resnet_bottleneck_shapes_add_k2.3.0-tf.h5";
  EXPECT_THAT(error_of(mse, true), ::testing::HasSubstr("training_config says: unknown metric 'mse'"));
}

TEST(KerasFunctional, WeightsFilesLoadIntoFunctionalModels) {
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  if (const std::string why = testing::python_unavailable("numpy h5py scipy"); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir tmp;
  // Another run of the 2-in / 2-out model with a shared layer: by order and by name.
  for (const bool by_name : {false, true}) {
    Model m = load_keras_model(fs::path(dir) / "func_shared_dense_concat_2in2out_k2.2.0.h5", {.compile = false});
    const fs::path weights = fs::path(dir) / "weights_shared_dense_concat_2in2out_k2.2.0.h5";
    m.load_weights(weights, by_name);
    std::ofstream(tmp / "arch.json") << detail::read_keras_file(fs::path(dir) / "func_shared_dense_concat_2in2out_k2.2.0.h5").model_config;
    const TensorList xs = uniform_inputs(m, 3, 0, 1, 5);
    EXPECT_LE(compare_with_numpy(m, weights, xs, tmp, (tmp / "arch.json").string()), 1e-4f) << by_name;
  }
  // hls4ml's published functional architecture JSONs ask for an initializer petal
  // lacks (lecun_uniform: VarianceScaling fan_in uniform), named with the layer.
  for (const char* base : {"weights_hls4ml_3layer_mlp_k2.0.0", "weights_hls4ml_jettagger_conv2d_bn_k2.0.6"}) {
    std::ifstream in(fs::path(dir) / (std::string(base) + ".json"));
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    std::string error = "(loaded)";
    try {
      model_from_keras_json(text);
    } catch (const ConfigError& e) {
      error = e.what();
    }
    EXPECT_THAT(error, ::testing::HasSubstr("Keras field 'kernel_initializer': expected one of petal's initializers"))
        << base;
    EXPECT_THAT(error, ::testing::HasSubstr("\"mode\":\"fan_in\"")) << base;
  }
}

}  // namespace
}  // namespace petal
