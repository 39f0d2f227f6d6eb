// MiniVGGNet against PyTorch on identical weights and a fixed batch of 32
// images: loss, every gradient, BN moving statistics and the weights after one
// SGD step with Nesterov momentum; test_on_batch against PyTorch's eval mode.
// Dropout is built with rate 0 (masks are not comparable).
//
// The reference is PyTorch in float64. Tolerance, per tensor: petal's relative
// L2 error must be within 1e-4, or within 3x the error of PyTorch's own float32
// run when that is larger. Batch norm after ReLU makes the early layers'
// gradients ill-conditioned (channel sums cancel), so float32 PyTorch itself
// strays by ~1e-3 there; petal is required to be as accurate as PyTorch (it
// measures within 2x everywhere, and better on the later layers).
#include <gtest/gtest.h>

#include <cmath>

#include "petal/io/npz.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

// ||a - b|| / ||b|| (L2): one number per tensor, not dominated by its
// near-zero entries (gradients of saturated units, cancelling sums).
double rel_error(const Tensor& a, const Tensor& b) {
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    diff += d * d;
    scale += static_cast<double>(b[i]) * b[i];
  }
  return scale > 0 ? std::sqrt(diff / scale) : std::sqrt(diff);
}

// One training step checked against the reference: loss, every gradient, the
// weights and BN statistics after the step, inference-mode loss and outputs.
template <typename Get, typename Check>
void check_step(Model& model, const Tensor& x, const Tensor& y, Get get, Check check) {
  const auto weight_names = model.weight_names();
  const Logs logs = model.train_on_batch(x, y);
  EXPECT_NEAR(logs.at("loss"), get("loss")[0], 1e-4 * std::fabs(get("loss")[0]));
  const auto params = model.params();
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]->trainable) check(to_keras_layout(*params[i], params[i]->grad), "grad/" + weight_names[i]);
  }
  const auto after = model.get_weights();
  for (size_t i = 0; i < after.size(); ++i) check(after[i], "after/" + weight_names[i]);
  const Logs eval = model.test_on_batch(x, y);
  EXPECT_NEAR(eval.at("loss"), get("eval_loss")[0], 1e-4 * std::fabs(get("eval_loss")[0]));
  check(model.predict_on_batch(x), "eval_probs");
}

TEST(TorchParity, MiniVGGNetForwardLossGradientsAndOneSGDStep) {
  const std::string why = testing::python_unavailable("numpy torch");
  if (!why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const int64_t n = 32, classes = 17;
  Sequential model = minivggnet({.classes = classes, .seed = 7, .dropout = false});
  const double lr = 0.01, momentum = 0.9;
  model.compile(SGD({.learning_rate = lr, .momentum = momentum, .nesterov = true}), "categorical_crossentropy",
                {"accuracy"});
  Rng rng(3);
  Tensor x({n, 64, 64, 3}), y({n, classes});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(0, 1));
  for (int64_t i = 0; i < n; ++i) y.at({i, static_cast<int64_t>(rng.below(classes))}) = 1;

  NamedArrays in{{"x", NpyArray::from_tensor(x)}, {"y", NpyArray::from_tensor(y)}};
  const double settings[] = {lr, momentum, 1.0};
  const char* names[] = {"lr", "momentum", "nesterov"};
  for (int i = 0; i < 3; ++i) in.emplace_back(names[i], NpyArray::from_float64({1}, std::span<const double>(&settings[i], 1)));
  const auto weight_names = model.weight_names();
  const auto before = model.get_weights();
  for (size_t i = 0; i < before.size(); ++i) in.emplace_back(weight_names[i], NpyArray::from_tensor(before[i]));
  save_npz(dir.path() / "in.npz", in);
  std::string log;
  ASSERT_EQ(testing::run_python("tests/reference/torch_minivggnet.py",
                                (dir.path() / "in.npz").string() + " " + (dir.path() / "out.npz").string(), log),
            0)
      << log;
  const NamedArrays ref = load_npz(dir.path() / "out.npz");
  auto get = [&](const std::string& name) { return find_array(ref, "f64/" + name, "torch reference").to_tensor(); };
  auto get32 = [&](const std::string& name) { return find_array(ref, "f32/" + name, "torch reference").to_tensor(); };
  double worst_petal = 0, worst_torch = 0;
  // Direct convolution: as accurate as PyTorch's own float32 run.
  auto check = [&](const Tensor& got, const std::string& name) {
    const Tensor want = get(name);
    const double err = rel_error(got, want), torch32 = rel_error(get32(name), want);
    EXPECT_LT(err, std::max(1e-4, 3 * torch32)) << name << ": petal " << err << ", PyTorch float32 " << torch32;
    worst_petal = std::max(worst_petal, err);
    worst_torch = std::max(worst_torch, torch32);
  };
  model.save(dir.path() / "model.petal");
  model.set_conv_algorithm(ConvAlgorithm::Direct);
  check_step(model, x, y, get, check);
  RecordProperty("worst_error_petal", std::to_string(worst_petal));
  RecordProperty("worst_error_pytorch_float32", std::to_string(worst_torch));

  // ConvAlgorithm::Auto, the default (Winograd for the 16+ channel 3x3 convs):
  // every tensor within 3x PyTorch float32's error or 1e-4, except the sums
  // that cancel right behind a Winograd output (batch_normalization_3/beta,
  // conv2d_4/bias: ~1.2e-3, where PyTorch float32 has 5e-6). Bound: 2e-3.
  Model winograd = load_model(dir.path() / "model.petal");
  winograd.set_conv_algorithm(ConvAlgorithm::Auto);
  auto winograd_check = [&](const Tensor& got, const std::string& name) {
    const Tensor want = get(name);
    const double err = rel_error(got, want), torch32 = rel_error(get32(name), want);
    EXPECT_LT(err, std::max(2e-3, 3 * torch32)) << name << " (Winograd): petal " << err << ", PyTorch float32 " << torch32;
  };
  check_step(winograd, x, y, get, winograd_check);
}

}  // namespace
}  // namespace petal
