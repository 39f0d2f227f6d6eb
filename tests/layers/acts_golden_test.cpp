// The activation, normalisation and reshaping layers (and short chains that put
// them behind blocked oneDNN layouts) against PyTorch (float64) on the same
// weights: output, input gradient and every parameter gradient of L = sum(y * R).
// One run of tests/reference/torch_acts_layers.py serves every case.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "model/net_plan.h"
#include "petal/io/npz.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/layer_normalization.h"
#include "petal/layers/rescaling.h"
#include "petal/layers/reshaping.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using Layers = std::vector<std::unique_ptr<Layer>>;
using Maker = std::function<std::unique_ptr<Layer>()>;

struct GoldenCase {
  std::string name;
  std::vector<Maker> make;
  Shape input;
  bool training = true;
  float input_scale = 1.0f;
  double tolerance = 1e-5;  // relative (max-norm)
};

template <typename L, typename O>
Maker mk(O options) {
  return [=] { return std::make_unique<L>(options); };
}
Maker act(const std::string& name) { return mk<Activation>(ActivationOptions{.activation = name}); }
Maker conv(int64_t filters, const std::string& activation = "linear") {
  return mk<Conv2D>(Conv2DOptions{.filters = filters, .padding = Padding::Same, .activation = activation});
}
Maker ln(std::vector<int> axis) { return mk<LayerNormalization>(LayerNormalizationOptions{.axis = std::move(axis)}); }
Maker bn(int axis) { return mk<BatchNormalization>(BatchNormalizationOptions{.axis = axis}); }

std::vector<GoldenCase> activation_cases() {
  std::vector<GoldenCase> c;
  for (const char* a : {"relu6", "swish", "silu", "hard_sigmoid", "gelu"}) {
    c.push_back({std::string("Activation_") + a, {act(a)}, {3, 4, 5}, true, 4.0f});
    c.push_back({std::string("Conv2D_") + a, {conv(5, a)}, {5, 6, 3}, true, 4.0f});
    c.push_back({std::string("Dense_") + a, {mk<Dense>(DenseOptions{.units = 6, .activation = a})}, {9}, true, 4.0f});
    // Activation layer fused into the convolution by the network plan.
    c.push_back({std::string("ConvThenActivation_") + a, {conv(16), act(a)}, {6, 5, 8}, true, 4.0f});
  }
  return c;
}

std::vector<GoldenCase> cases() {
  std::vector<GoldenCase> c = activation_cases();
  std::vector<GoldenCase> more = {
      {"ReLU", {mk<ReLU>(ReLUOptions{})}, {3, 4, 5}},
      {"ReLU6", {mk<ReLU>(ReLUOptions{.max_value = 6})}, {3, 4, 5}, true, 8.0f},
      {"ReLUSlope", {mk<ReLU>(ReLUOptions{.negative_slope = 0.1f})}, {7}},
      {"ReLUThresholdSlopeCap", {mk<ReLU>(ReLUOptions{.max_value = 0.7f, .negative_slope = 0.2f, .threshold = 0.3f})}, {3, 4, 5}},
      {"ReLUCapSlope", {mk<ReLU>(ReLUOptions{.max_value = 0.5f, .negative_slope = 0.3f})}, {9}},
      // Blocked layouts with channel padding (5 channels) in front of the loop.
      {"ConvThenReLUThreshold", {conv(5), mk<ReLU>(ReLUOptions{.negative_slope = 0.1f, .threshold = 0.2f})}, {6, 5, 16}},
      {"LeakyReLUDefault", {mk<LeakyReLU>(LeakyReLUOptions{})}, {3, 4, 5}},
      {"LeakyReLUNegative", {mk<LeakyReLU>(LeakyReLUOptions{.alpha = -0.4f})}, {9}},
      {"ELU", {mk<ELU>(ELUOptions{.alpha = 0.7f})}, {3, 4, 5}},
      {"ELUNegativeAlpha", {mk<ELU>(ELUOptions{.alpha = -0.5f})}, {9}},
      {"PReLU", {mk<PReLU>(PReLUOptions{})}, {3, 4, 5}},
      {"PReLUSharedHW", {conv(16), mk<PReLU>(PReLUOptions{.shared_axes = {1, 2}})}, {5, 6, 8}},
      {"PReLUSharedC", {mk<PReLU>(PReLUOptions{.shared_axes = {3}})}, {3, 4, 5}},
      {"PReLU1D", {mk<PReLU>(PReLUOptions{})}, {11}},
      {"SoftmaxLast", {mk<Softmax>(SoftmaxOptions{})}, {3, 4, 5}},
      {"SoftmaxAxis1", {mk<Softmax>(SoftmaxOptions{.axis = 1})}, {3, 4, 5}},
      {"SoftmaxAxis2", {mk<Softmax>(SoftmaxOptions{.axis = -2})}, {3, 4, 5}},
      // No bias: behind a softmax over H its gradient is a sum that cancels exactly.
      {"ConvThenSoftmaxH",
       {mk<Conv2D>(Conv2DOptions{.filters = 16, .padding = Padding::Same, .use_bias = false}),
        mk<Softmax>(SoftmaxOptions{.axis = 1})},
       {5, 4, 8}},
      {"LayerNormLast", {ln({-1})}, {3, 4, 6}},
      {"LayerNormHWC", {ln({1, 2, 3})}, {3, 4, 6}},
      {"LayerNormWC", {ln({2, 3})}, {3, 4, 6}},
      {"LayerNormH", {ln({1})}, {3, 4, 6}},
      {"LayerNormHC", {ln({1, 3})}, {3, 4, 6}},
      {"LayerNorm1D", {ln({-1})}, {10}},
      {"LayerNormSequence", {mk<Reshape>(ReshapeOptions{.target_shape = {-1, 6}}), ln({-1})}, {3, 4, 6}},
      {"LayerNormNoScaleNoCenter",
       {mk<LayerNormalization>(LayerNormalizationOptions{.axis = {1}, .center = false, .scale = false})}, {3, 4, 6}},
      {"ConvThenLayerNorm", {conv(16), ln({-1})}, {5, 4, 8}},
      {"LayerNormInference", {ln({-1})}, {3, 4, 6}, false},
      {"Rescaling", {mk<Rescaling>(RescalingOptions{.scale = 1.0f / 255, .offset = -0.5f})}, {4, 5, 3}, true, 255.0f},
      {"ReshapeTo1D", {mk<Reshape>(ReshapeOptions{.target_shape = {-1}})}, {3, 4, 5}},
      {"ReshapeTo3D", {mk<Reshape>(ReshapeOptions{.target_shape = {2, 3, -1}})}, {24}},
      {"ReshapeTo2D", {mk<Reshape>(ReshapeOptions{.target_shape = {5, 12}})}, {3, 4, 5}},
      {"ConvThenReshape", {conv(16), mk<Reshape>(ReshapeOptions{.target_shape = {-1, 4}})}, {3, 5, 8}},
      {"Permute312", {mk<Permute>(PermuteOptions{.dims = {3, 1, 2}})}, {3, 4, 5}},
      {"Permute213", {mk<Permute>(PermuteOptions{.dims = {2, 1, 3}})}, {3, 4, 5}},
      {"Permute2D", {mk<Reshape>(ReshapeOptions{.target_shape = {4, 6}}), mk<Permute>(PermuteOptions{.dims = {2, 1}})},
       {24}},
      {"ConvThenPermute", {conv(16), mk<Permute>(PermuteOptions{.dims = {2, 3, 1}})}, {3, 5, 8}},
      {"BatchNormAxis1", {bn(1)}, {4, 5, 6}},
      {"BatchNormAxis2", {bn(-2)}, {4, 5, 6}},
      {"BatchNormAxis1Inference", {bn(1)}, {4, 5, 6}, false},
      {"BatchNormSequenceAxis1", {mk<Reshape>(ReshapeOptions{.target_shape = {6, 20}}), bn(1)}, {120}},
      {"BatchNormSequenceLast", {mk<Reshape>(ReshapeOptions{.target_shape = {6, 20}}), bn(-1)}, {120}},
      {"ConvThenBatchNormAxis1", {conv(16), bn(1)}, {5, 4, 8}},
  };
  c.insert(c.end(), more.begin(), more.end());
  return c;
}

struct Computed {
  Tensor y, dx;
  std::vector<std::pair<std::string, Tensor>> grads;
};

Computed run_petal(const GoldenCase& c, NamedArrays& in) {
  Layers layers;
  std::vector<Layer*> ptrs;
  Rng rng(23);
  Shape shape = c.input;
  std::string specs = "[";
  for (size_t i = 0; i < c.make.size(); ++i) {
    layers.push_back(c.make[i]());
    layers[i]->set_name("layer" + std::to_string(i));
    shape = layers[i]->build(shape, rng);
    ptrs.push_back(layers[i].get());
    for (Param* p : layers[i]->params()) {
      Tensor v = keras_value(*p);
      for (float& e : v.values()) {
        e = p->trainable ? static_cast<float>(rng.uniform(-0.5, 0.5)) : static_cast<float>(rng.uniform(0.5, 1.5));
      }
      if (p->name == "gamma") {
        for (float& e : v.values()) e += 1.0f;
      }
      assign_keras_value(*p, v);
      in.emplace_back(c.name + "/" + std::to_string(i) + "/" + p->name, NpyArray::from_tensor(v));
    }
    std::string spec = layers[i]->config_json();
    spec.insert(1, "\"type\":\"" + layers[i]->type() + "\",\"training\":" + (c.training ? "true" : "false") + ",");
    specs += (i ? "," : "") + spec;
  }
  const int64_t n = 3;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  detail::NetPlan plan(ptrs, c.input, n, c.training ? detail::Phase::Train : detail::Phase::Infer, engine, true);
  Tensor x(with_batch(n, c.input)), r(with_batch(n, shape));
  for (float& v : x.values()) v = c.input_scale * static_cast<float>(rng.uniform(-1, 1));
  for (float& v : r.values()) v = static_cast<float>(rng.uniform(-1, 1));
  in.emplace_back(c.name + "/spec", NpyArray::from_string(specs + "]"));
  in.emplace_back(c.name + "/x", NpyArray::from_tensor(x));
  in.emplace_back(c.name + "/r", NpyArray::from_tensor(r));

  detail::StepContext step;
  step.stream = dnnl::stream(engine);
  step.accumulate_grads = false;
  Computed out;
  const float* y = plan.forward(x, step);
  out.y = Tensor(r.shape(), std::span<const float>(y, static_cast<size_t>(r.size())));
  std::copy(r.data(), r.data() + r.size(), plan.output_grad());
  plan.backward(step);
  out.dx = Tensor(x.shape(), std::span<const float>(plan.input_grad(), static_cast<size_t>(x.size())));
  for (size_t i = 0; i < layers.size(); ++i) {
    for (const Param* p : std::as_const(*layers[i]).params()) {
      if (p->trainable) out.grads.emplace_back(std::to_string(i) + "/d" + p->name, to_keras_layout(*p, p->grad));
    }
  }
  return out;
}

double rel_error(const Tensor& a, const Tensor& b) {
  if (a.size() != b.size()) return INFINITY;
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

TEST(ActsGolden, EveryLayerAndChainMatchesPyTorch) {
  const std::string why = testing::python_unavailable("numpy torch");
  if (!why.empty()) GTEST_SKIP() << why;
  NamedArrays in;
  std::vector<std::pair<GoldenCase, Computed>> results;
  for (const GoldenCase& c : cases()) results.emplace_back(c, run_petal(c, in));
  testing::TempDir dir;
  save_npz(dir.path() / "in.npz", in);
  std::string log;
  ASSERT_EQ(testing::run_python("tests/reference/torch_acts_layers.py",
                                (dir.path() / "in.npz").string() + " " + (dir.path() / "out.npz").string(), log),
            0)
      << log;
  const NamedArrays ref = load_npz(dir.path() / "out.npz");
  for (const auto& result : results) {  // no structured binding: Clang 14 cannot capture one
    const auto& c = result.first;
    const auto& got = result.second;
    SCOPED_TRACE(c.name);
    auto want = [&](const std::string& k) { return find_array(ref, c.name + "/" + k, "torch reference").to_tensor(); };
    EXPECT_LT(rel_error(got.y, want("y")), c.tolerance) << "output";
    EXPECT_LT(rel_error(got.dx, want("dx")), c.tolerance) << "input gradient";
    for (const auto& [k, g] : got.grads) EXPECT_LT(rel_error(g, want(k)), c.tolerance) << "gradient " << k;
  }
}

}  // namespace
}  // namespace petal
