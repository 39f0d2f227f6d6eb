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
//
// ReLU kinks. With Keras's initial BN weights (gamma 1, beta 0) a ReLU's input is
// ~N(0, 1) over 0.5-2 million positions per layer, so dozens lie within float32's
// forward rounding (~1e-6) of 0, where petal and PyTorch may pick different sides.
// One such flip (measured: conv4_block1_out at x = -4e-6) changes every gradient
// below it by ~1e-3 relative, in petal or in PyTorch's own float32 run alike, at
// random. So, as the gradient checks avoid kinks, every BatchNormalization that
// feeds a ReLU gets gamma 0.1 and beta -0.6 or 0.6 per channel, and every one that
// feeds an Add gets beta 0.6: ReLU inputs then sit six standard deviations from
// each kink, and masks are still mixed per channel. MobileNetV2's project_BN (no
// ReLU after it) keeps gamma 1 and gets beta -0.3 or 0.3. (ReLU6's upper kink is not
// reached: saturating whole channels makes the next depthwise BN see a constant
// channel, ill-conditioned in float32 for both sides.)
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

using testing::rel_error;

double l2_norm(const Tensor& a) {
  double s = 0;
  for (float v : a.values()) s += static_cast<double>(v) * v;
  return std::sqrt(s);
}

Tensor minus(Tensor a, const Tensor& b) {
  for (int64_t i = 0; i < a.size(); ++i) a[i] -= b[i];
  return a;
}

Tensor log_of(const Tensor& p) {
  Tensor out = p;
  for (float& v : out.values()) v = std::log(v);
  return out;
}

// Gradients that are zero in exact arithmetic: a Conv2D bias right before
// BatchNormalization (every ResNet conv: the batch mean removes it), and with
// whole-channel ReLU masks (see above) the beta of a BatchNormalization whose
// output reaches the next one only through 1x1 convolutions (MobileNetV2's
// depthwise_BN and project_BN: a per-channel shift cancels in the next batch
// mean). What remains is float32 rounding of a sum that cancels, in petal and in
// PyTorch alike, so these are checked in absolute terms: within 1e-4 of the same
// layer's kernel or gamma gradient (norms), or 3x PyTorch float32's deviation if
// larger; the same weight's value after the step likewise against that gradient
// times the learning rate.
std::string counterpart(const std::string& weight) {
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"/bias:0", "/kernel:0"}, {"/beta:0", "/gamma:0"}}) {
    if (weight.ends_with(from)) return weight.substr(0, weight.size() - from.size()) + to;
  }
  return "";
}

// See "ReLU kinks" above: gamma and beta of the BatchNormalization layers.
void move_relu_inputs_off_kinks(Model& model, const std::string& name) {
  Rng rng(9);
  for (Layer* layer : model.layers()) {
    if (layer->type() != "BatchNormalization") continue;
    const std::string& n = layer->name();
    const bool feeds_add = name == "resnet18" && (n.ends_with("_2_bn") || n.ends_with("_0_bn"));
    // No ReLU after MobileNetV2's project_BN: beta +-0.3 only, so that the next
    // expand conv's batch mean (and moving_mean) is not zero in exact arithmetic.
    const bool project = name == "mobilenet_v2" && n.ends_with("project_BN");
    for (Param* p : layer->params()) {
      if (p->name != "gamma" && p->name != "beta") continue;
      Tensor v = keras_value(*p);
      for (float& x : v.values()) {
        const bool dead = rng.below(2) == 0;
        if (project) {
          if (p->name == "beta") x = dead ? -0.3f : 0.3f;
          continue;
        }
        x = p->name == "gamma" ? 0.1f : feeds_add || !dead ? 0.6f : -0.6f;
      }
      assign_keras_value(*p, v);
    }
  }
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
  move_relu_inputs_off_kinks(model, c.model);
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
  // weight: the Keras weight name, or "" for an output; scale: lr for after/ values.
  auto check = [&](const Tensor& got, const std::string& prefix, const std::string& weight, double scale = 1.0) {
    const std::string name = prefix + weight;
    const Tensor want = get("f64/", name);
    ASSERT_EQ(got.size(), want.size()) << name;
    const std::string other = counterpart(weight);
    const double zero_scale = other.empty() ? 0.0 : scale * l2_norm(get("f64/", "grad/" + other));
    if (l2_norm(want) < 1e-9 * zero_scale) {  // zero in exact arithmetic (see counterpart)
      const double err = l2_norm(minus(got, want)), torch32 = l2_norm(minus(get("f32/", name), want));
      EXPECT_LT(err, std::max(1e-4 * zero_scale, 3 * torch32))
          << c.model << " " << name << ": petal " << err << ", PyTorch float32 " << torch32 << ", scale " << zero_scale;
      return;
    }
    const double err = rel_error(got, want), torch32 = rel_error(get("f32/", name), want);
    EXPECT_LT(err, std::max(1e-4, 3 * torch32)) << c.model << " " << name << ": petal " << err << ", PyTorch float32 " << torch32;
    worst = std::max(worst, err);
  };

  check(log_of(model.predict_on_batch(x)[0]), "infer_log_probs", "");
  const auto weight_names = model.weight_names();
  const Logs logs = model.train_on_batch(x, y);
  EXPECT_NEAR(logs.at("loss"), get("f64/", "loss")[0], 1e-4 * std::fabs(get("f64/", "loss")[0]));
  const auto params = model.params();
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]->trainable) check(to_keras_layout(*params[i], params[i]->grad), "grad/", weight_names[i]);
  }
  const auto after = model.get_weights();
  for (size_t i = 0; i < after.size(); ++i) check(after[i], "after/", weight_names[i], lr);
  const Logs eval = model.test_on_batch(x, y);
  EXPECT_NEAR(eval.at("loss"), get("f64/", "eval_loss")[0], 1e-4 * std::fabs(get("f64/", "eval_loss")[0]));
  check(model.predict_on_batch(x)[0], "eval_probs", "");
  ::testing::Test::RecordProperty("worst_error_petal", std::to_string(worst));
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
