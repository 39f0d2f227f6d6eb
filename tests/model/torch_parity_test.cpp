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
#include "testing/parity.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

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

  const NamedArrays ref = testing::run_reference(model, x, y, lr, momentum, true, "tests/reference/torch_minivggnet.py",
                                                 dir.path().string());
  double worst_petal = 0, worst_torch = 0;
  // Direct convolution: as accurate as PyTorch's own float32 run.
  const auto check = testing::relative_check(ref, 1e-4, 3, &worst_petal, &worst_torch);
  model.save(dir.path() / "model.petal");
  model.set_conv_algorithm(ConvAlgorithm::Direct);
  testing::check_step(model, x, y, ref, check);
  RecordProperty("worst_error_petal", std::to_string(worst_petal));
  RecordProperty("worst_error_pytorch_float32", std::to_string(worst_torch));

  // ConvAlgorithm::Auto, the default (Winograd for the 16+ channel 3x3 convs):
  // every tensor within 3x PyTorch float32's error or 1e-4, except the sums
  // that cancel right behind a Winograd output (batch_normalization_3/beta,
  // conv2d_4/bias: ~1.2e-3, where PyTorch float32 has 5e-6). Bound: 2e-3.
  Model winograd = load_model(dir.path() / "model.petal");
  winograd.set_conv_algorithm(ConvAlgorithm::Auto);
  testing::check_step(winograd, x, y, ref, testing::relative_check(ref, 2e-3, 3));
}

}  // namespace
}  // namespace petal
