// ResNet-18 (small-input stem, 64x64, 17 classes) and MobileNetV2 (alpha 0.5,
// 96x96) against PyTorch networks built by tests/reference/torch_zoo.py from
// the weights petal's save_weights exports (Keras names and shapes): inference
// probabilities (log-probabilities: the logits up to softmax's per-row
// constant), the training loss, every gradient, the BN moving statistics and
// weights after one SGD step with momentum, and inference after the step.
//
// Reference: PyTorch in float64. Tolerance per tensor, as the MiniVGGNet parity
// test: petal's relative L2 error within 1e-4, or within 3x the error of
// PyTorch's own float32 run when that is larger. Direct convolution
// (ConvAlgorithm::Direct): Winograd differs by ~1e-5 relative per output.
#include <gtest/gtest.h>

#include <cmath>

#include "petal/io/npz.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

double rel_error(const Tensor& a, const Tensor& b) {
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    diff += d * d;
    scale += static_cast<double>(b[i]) * b[i];
  }
  return scale > 0 ? std::sqrt(diff / scale) : std::sqrt(diff);
}

double l2_norm(const Tensor& a) {
  double s = 0;
  for (float v : a.values()) s += static_cast<double>(v) * v;
  return std::sqrt(s);
}

Tensor log_of(const Tensor& p) {
  Tensor out = p;
  for (float& v : out.values()) v = std::log(v);
  return out;
}

// A Conv2D bias right before BatchNormalization (every ResNet conv) has a zero
// gradient in exact arithmetic: the batch mean removes it. What remains is
// float32 rounding of a sum that cancels, in petal and in PyTorch alike; it is
// checked to be negligible against the same layer's kernel gradient instead.
bool cancels_in_batch_norm(const std::string& name, const std::string& model) {
  return model == "resnet18" && name.find("_conv/bias") != std::string::npos;
}

struct ParityCase {
  std::string model;
  ZooOptions options;
  int64_t batch;
};

void check_against_torch(const ParityCase& c) {
  testing::TempDir dir;
  Model model = build_model(c.model, c.options);
  const double lr = 0.05, momentum = 0.9;
  model.compile(SGD({.learning_rate = lr, .momentum = momentum}), "categorical_crossentropy");
  model.set_conv_algorithm(ConvAlgorithm::Direct);
  const int64_t k = c.options.classes;
  Rng rng(5);
  Tensor x({c.batch, c.options.height, c.options.width, c.options.depth}), y({c.batch, k});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(-1, 1));
  for (int64_t i = 0; i < c.batch; ++i) y.at({i, static_cast<int64_t>(rng.below(k))}) = 1;
  model.save_weights(dir.path() / "weights.npz");
  NamedArrays in{{"x", NpyArray::from_tensor(x)}, {"y", NpyArray::from_tensor(y)}};
  const double settings[] = {lr, momentum, c.options.alpha};
  const char* names[] = {"lr", "momentum", "alpha"};
  for (int i = 0; i < 3; ++i) in.emplace_back(names[i], NpyArray::from_float64({1}, std::span<const double>(&settings[i], 1)));
  save_npz(dir.path() / "in.npz", in);
  std::string log;
  ASSERT_EQ(testing::run_python("tests/reference/torch_zoo.py", c.model + " " + (dir.path() / "weights.npz").string() +
                                                                    " " + (dir.path() / "in.npz").string() + " " +
                                                                    (dir.path() / "out.npz").string(),
                                log),
            0)
      << log;
  const NamedArrays ref = load_npz(dir.path() / "out.npz");
  auto get = [&](const std::string& p, const std::string& name) { return find_array(ref, p + name, "torch_zoo.py").to_tensor(); };
  double worst = 0;
  auto check = [&](const Tensor& got, const std::string& name) {
    const Tensor want = get("f64/", name);
    ASSERT_EQ(got.size(), want.size()) << name;
    const double err = rel_error(got, want), torch32 = rel_error(get("f32/", name), want);
    EXPECT_LT(err, std::max(1e-4, 3 * torch32)) << c.model << " " << name << ": petal " << err << ", PyTorch float32 " << torch32;
    worst = std::max(worst, err);
  };

  check(log_of(model.predict_on_batch(x)[0]), "infer_log_probs");
  const auto weight_names = model.weight_names();
  const Logs logs = model.train_on_batch(x, y);
  EXPECT_NEAR(logs.at("loss"), get("f64/", "loss")[0], 1e-4 * std::fabs(get("f64/", "loss")[0]));
  const auto params = model.params();
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i]->trainable) continue;
    const std::string name = "grad/" + weight_names[i];
    const Tensor grad = to_keras_layout(*params[i], params[i]->grad);
    if (cancels_in_batch_norm(name, c.model)) {
      const std::string kernel = name.substr(0, name.size() - std::string("bias:0").size()) + "kernel:0";
      EXPECT_LT(l2_norm(grad), 1e-4 * l2_norm(get("f64/", kernel))) << c.model << " " << name;
      continue;
    }
    check(grad, name);
  }
  const auto after = model.get_weights();
  for (size_t i = 0; i < after.size(); ++i) check(after[i], "after/" + weight_names[i]);
  const Logs eval = model.test_on_batch(x, y);
  EXPECT_NEAR(eval.at("loss"), get("f64/", "eval_loss")[0], 1e-4 * std::fabs(get("f64/", "eval_loss")[0]));
  check(model.predict_on_batch(x)[0], "eval_probs");
  RecordProperty("worst_error_petal", std::to_string(worst));
}

TEST(ZooTorchParity, ResNet18SmallInputStem) {
  if (const std::string why = testing::python_unavailable("numpy torch"); !why.empty()) GTEST_SKIP() << why;
  check_against_torch({"resnet18", {.height = 64, .width = 64, .classes = 17, .seed = 3}, 8});
}

TEST(ZooTorchParity, MobileNetV2HalfWidth) {
  if (const std::string why = testing::python_unavailable("numpy torch"); !why.empty()) GTEST_SKIP() << why;
  check_against_torch({"mobilenet_v2", {.height = 96, .width = 96, .classes = 17, .seed = 3, .alpha = 0.5}, 16});
}

}  // namespace
}  // namespace petal
