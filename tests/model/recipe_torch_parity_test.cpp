// The recipe tooling against PyTorch (tests/reference/torch_recipe.py): OneCycle
// against OneCycleLR, label smoothing against cross_entropy(label_smoothing=...),
// AdamW against torch.optim.AdamW with weight decay on the kernel only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/cli_fixtures.h"
#include "petal/callbacks/lr_schedules.h"
#include "petal/losses/loss.h"
#include "petal/optimizers/adamw.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

class RecipeTorchParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_ = testing::python_unavailable("torch");
    if (!skip_.empty()) return;
    testing::TempDir dir;
    std::string log;
    const auto out = dir.path() / "ref.json";
    if (testing::run_python("tests/reference/torch_recipe.py", out.string(), log) != 0) {
      error_ = log;
      return;
    }
    ref_ = nlohmann::json::parse(cli_testing::read_text(out));
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(error_.empty()) << error_;
  }
  static inline std::string skip_, error_;
  static inline nlohmann::json ref_;
};

TEST_F(RecipeTorchParity, OneCycleMatchesOneCycleLR) {
  const OneCycle cycle({.max_learning_rate = 0.1, .total_steps = 20, .pct_start = 0.3});
  const auto want = ref_["one_cycle"].get<std::vector<double>>();
  for (int64_t s = 0; s < 20; ++s) EXPECT_NEAR(cycle(s), want[static_cast<size_t>(s)], 1e-12 * 0.1) << "step " << s;
  const OneCycle short_cycle({.max_learning_rate = 0.05, .total_steps = 7, .pct_start = 0.25, .div_factor = 10,
                              .final_div_factor = 100});
  const auto want_short = ref_["one_cycle_short"].get<std::vector<double>>();
  for (int64_t s = 0; s < 7; ++s) EXPECT_NEAR(short_cycle(s), want_short[static_cast<size_t>(s)], 1e-13) << s;
  EXPECT_NEAR(cycle(25), want.back(), 1e-15);  // held at the final rate after the cycle
}

TEST_F(RecipeTorchParity, LabelSmoothingMatchesCrossEntropy) {
  const auto& r = ref_["label_smoothing"];
  const auto logits = r["logits"].get<std::vector<double>>();
  const auto target = r["target"].get<std::vector<int>>();
  const int64_t n = 4, k = 5;
  Tensor p({n, k}), labels({n});
  for (int64_t i = 0; i < n; ++i) {
    double mx = -1e30, sum = 0;
    for (int64_t j = 0; j < k; ++j) mx = std::max(mx, logits[static_cast<size_t>(i * k + j)]);
    for (int64_t j = 0; j < k; ++j) sum += std::exp(logits[static_cast<size_t>(i * k + j)] - mx);
    for (int64_t j = 0; j < k; ++j) {
      p[i * k + j] = static_cast<float>(std::exp(logits[static_cast<size_t>(i * k + j)] - mx) / sum);
    }
    labels[i] = static_cast<float>(target[static_cast<size_t>(i)]);
  }
  std::vector<float> grad(static_cast<size_t>(n * k));
  const double loss = weighted_loss(Loss::SparseCategoricalCrossentropy, labels, p.data(), p.shape(), {}, grad,
                                    GradWrt::SoftmaxLogits, 0.2);
  EXPECT_NEAR(loss, r["loss"].get<double>(), 1e-6);
  const auto want = r["grad"].get<std::vector<double>>();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(grad[i], want[i], 1e-7) << i;
}

TEST_F(RecipeTorchParity, AdamWMatchesTorchWithKernelOnlyDecay) {
  // Keras 2's Adam and PyTorch's differ only in where epsilon goes; with a tiny
  // epsilon both are the same update.
  AdamW opt({.learning_rate = 0.01, .weight_decay = 0.1, .epsilon = 1e-12});
  Param kernel{.name = "kernel", .value = Tensor({2, 3}, {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.75f}),
               .grad = Tensor({2, 3}), .keras_shape = {2, 3}};
  Param bias{.name = "bias", .value = Tensor({3}, {0.3f, -0.2f, 0.1f}), .grad = Tensor({3}), .keras_shape = {3}};
  Param* ps[] = {&kernel, &bias};
  const auto& trace = ref_["adamw"];
  for (int step = 0; step < 5; ++step) {
    for (int64_t i = 0; i < 6; ++i) {
      kernel.grad[i] = 0.1f * static_cast<float>(step + 1) * (kernel.value[i] > 0 ? 1.0f : -1.0f);
    }
    for (int64_t i = 0; i < 3; ++i) bias.grad[i] = -0.05f * static_cast<float>(step + 1);
    opt.apply(ps);
    const auto wk = trace[step]["kernel"].get<std::vector<double>>();
    const auto wb = trace[step]["bias"].get<std::vector<double>>();
    for (int64_t i = 0; i < 6; ++i) EXPECT_NEAR(kernel.value[i], wk[static_cast<size_t>(i)], 2e-6) << step << "," << i;
    for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(bias.value[i], wb[static_cast<size_t>(i)], 2e-6) << step << "," << i;
  }
}

}  // namespace
}  // namespace petal
