// Layers and short layer chains against PyTorch (float64) on the same weights:
// output, input gradient and every parameter gradient of L = sum(y * R). All
// cases go to the reference script in one run (PyTorch's import is slow).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "model/net_plan.h"
#include "petal/io/npz.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using Layers = std::vector<std::unique_ptr<Layer>>;

struct GoldenCase {
  std::string name;
  std::function<Layers()> make;
  Shape input;
  bool training = true;
  float input_scale = 1.0f;
  double tolerance = 1e-5;  // relative (max-norm); deeper chains accumulate more float32 rounding
};

template <typename... L>
std::function<Layers()> chain(std::function<std::unique_ptr<L>()>... makers) {
  return [=] {
    Layers out;
    (out.push_back(makers()), ...);
    return out;
  };
}

template <typename L, typename O>
std::function<std::unique_ptr<L>()> mk(O options) {
  return [=] { return std::make_unique<L>(options); };
}

auto conv(int64_t filters, const std::string& act = "linear") {
  return mk<Conv2D>(Conv2DOptions{.filters = filters, .padding = Padding::Same, .activation = act});
}
auto bn() { return mk<BatchNormalization>(BatchNormalizationOptions{}); }
auto relu() { return mk<Activation>(ActivationOptions{.activation = "relu"}); }

std::vector<GoldenCase> cases() {
  return {
      {"Conv2DSameRelu", chain<Conv2D>(conv(5, "relu")), {7, 6, 3}},
      {"Conv2DValidStride2", chain<Conv2D>(mk<Conv2D>(Conv2DOptions{.filters = 4, .kernel_size = {3, 2}, .strides = {2, 2}})), {7, 8, 2}},
      {"Conv2DSameEvenKernelStride2", chain<Conv2D>(mk<Conv2D>(Conv2DOptions{.filters = 3, .kernel_size = {2, 2}, .strides = {2, 2}, .padding = Padding::Same, .use_bias = false})), {5, 5, 2}},
      {"Conv2DRawPixels", chain<Conv2D>(conv(32)), {16, 16, 3}, true, 255.0f},
      {"Conv2D32to32", chain<Conv2D>(conv(32)), {12, 12, 32}},
      {"DenseSoftmax", chain<Dense>(mk<Dense>(DenseOptions{.units = 6, .activation = "softmax"})), {9}},
      {"DenseLarge", chain<Dense>(mk<Dense>(DenseOptions{.units = 64})), {1024}},
      {"DenseTanh", chain<Dense>(mk<Dense>(DenseOptions{.units = 5, .activation = "tanh"})), {9}},
      {"BatchNorm4DTrain", chain<BatchNormalization>(bn()), {4, 5, 6}},
      {"BatchNorm2DTrain", chain<BatchNormalization>(bn()), {7}},
      {"BatchNorm4DInference", chain<BatchNormalization>(bn()), {4, 5, 6}, false},
      {"MaxPooling2D", chain<MaxPooling2D>(mk<MaxPooling2D>(Pooling2DOptions{})), {6, 6, 4}},
      {"MaxPooling2DSame", chain<MaxPooling2D>(mk<MaxPooling2D>(Pooling2DOptions{.pool_size = {3, 3}, .strides = {2, 2}, .padding = Padding::Same})), {6, 5, 3}},
      {"AveragePooling2DSame", chain<AveragePooling2D>(mk<AveragePooling2D>(Pooling2DOptions{.pool_size = {3, 3}, .strides = {2, 2}, .padding = Padding::Same})), {6, 5, 3}},
      {"GlobalAveragePooling2D", chain<GlobalAveragePooling2D>(mk<GlobalAveragePooling2D>(GlobalAveragePooling2DOptions{})), {4, 3, 5}},
      {"Flatten", chain<Flatten>(mk<Flatten>(FlattenOptions{})), {3, 4, 5}},
      {"ActivationElu", chain<Activation>(mk<Activation>(ActivationOptions{.activation = "elu"})), {3, 3, 4}},
      {"ActivationLeakyRelu", chain<Activation>(mk<Activation>(ActivationOptions{.activation = "leaky_relu"})), {8}},
      {"ActivationSigmoid", chain<Activation>(mk<Activation>(ActivationOptions{.activation = "sigmoid"})), {8}},
      {"ActivationSoftmax4D", chain<Activation>(mk<Activation>(ActivationOptions{.activation = "softmax"})), {2, 2, 6}},
      // MiniVGGNet's building blocks, chained (fused Conv+ReLU, blocked layouts in between).
      {"ConvReluBN", chain<Conv2D, Activation, BatchNormalization>(conv(32), relu(), bn()), {8, 8, 3}},
      {"ConvReluBNConvReluBN", chain<Conv2D, Activation, BatchNormalization, Conv2D, Activation, BatchNormalization>(conv(32), relu(), bn(), conv(32), relu(), bn()), {8, 8, 3}},
      {"BNPoolConv", chain<BatchNormalization, MaxPooling2D, Conv2D>(bn(), mk<MaxPooling2D>(Pooling2DOptions{}), conv(16, "relu")), {8, 8, 32}},
      {"ConvPoolFlattenDense", chain<Conv2D, MaxPooling2D, Flatten, Dense>(conv(64), mk<MaxPooling2D>(Pooling2DOptions{}), mk<Flatten>(FlattenOptions{}), mk<Dense>(DenseOptions{.units = 32})), {8, 8, 16}},
      {"MiniVGGNetBody", [] {
         Layers l;
         for (int64_t f : {32, 64}) {
           for (int k = 0; k < 2; ++k) { l.push_back(conv(f)()); l.push_back(relu()()); l.push_back(bn()()); }
           l.push_back(std::make_unique<MaxPooling2D>());
         }
         l.push_back(std::make_unique<Flatten>());
         l.push_back(std::make_unique<Dense>(DenseOptions{.units = 64}));
         l.push_back(relu()());
         l.push_back(bn()());
         l.push_back(std::make_unique<Dense>(DenseOptions{.units = 7}));
         l.push_back(std::make_unique<Activation>("softmax"));
         return l;
       }, {16, 16, 3}, true, 1.0f, 1e-4},
      {"DenseReluBNDenseSoftmax", chain<Dense, Activation, BatchNormalization, Dense>(mk<Dense>(DenseOptions{.units = 32}), relu(), bn(), mk<Dense>(DenseOptions{.units = 5, .activation = "softmax"})), {64}},
  };
}

struct Computed {
  Tensor y, dx;
  std::vector<std::pair<std::string, Tensor>> grads;  // "<i>/d<name>" -> Keras-layout gradient
};

// Runs one case in petal (forward, backward of L = sum(y * R)) and adds its
// inputs, weights and spec to the reference script's archive.
Computed run_petal(const GoldenCase& c, NamedArrays& in) {
  Layers layers = c.make();
  std::vector<Layer*> ptrs;
  Rng rng(11);
  Shape shape = c.input;
  std::string specs = "[";
  for (size_t i = 0; i < layers.size(); ++i) {
    layers[i]->set_name("layer" + std::to_string(i));
    shape = layers[i]->build(shape, rng);
    ptrs.push_back(layers[i].get());
    for (Param* p : layers[i]->params()) {  // non-default values everywhere
      Tensor v = keras_value(*p);
      for (float& e : v.values()) {
        e = p->trainable ? static_cast<float>(rng.uniform(-0.5, 0.5)) : static_cast<float>(rng.uniform(0.5, 1.5));
      }
      if (p->name == "gamma") v.fill(1.0f);
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
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

// One test, one PyTorch run for every case (each ctest entry is a process).
TEST(LayerGolden, EveryLayerAndChainMatchesPyTorch) {
  const std::string why = testing::python_unavailable("numpy torch");
  if (!why.empty()) GTEST_SKIP() << why;
  NamedArrays in;
  std::vector<std::pair<GoldenCase, Computed>> results;
  for (const GoldenCase& c : cases()) results.emplace_back(c, run_petal(c, in));
  testing::TempDir dir;
  save_npz(dir.path() / "in.npz", in);
  std::string log;
  ASSERT_EQ(testing::run_python("tests/reference/torch_layers.py",
                                (dir.path() / "in.npz").string() + " " + (dir.path() / "out.npz").string(), log), 0)
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
