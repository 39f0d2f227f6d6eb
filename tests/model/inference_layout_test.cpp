// Inference plans of graphs with Winograd convolutions keep every convolution's
// activations in Winograd's blocked layout (src/model/inference_layout.h), and
// re-pack weights only when they changed (ParamView::reuse_unchanged).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "model/graph_plan.h"
#include "model/inference_layout.h"
#include "model/model_impl.h"
#include "nn/conv_plan.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"
#include "testing/fixtures.h"
#include "testing/parity.h"

namespace petal {
namespace {

using detail::GraphPlan;
using Tag = dnnl::memory::format_tag;

// conv(3 -> 16) -> [conv 3x3 -> BN -> ReLU -> conv 3x3 -> BN] + skip -> ReLU -> pool -> dense
Model residual_model() {
  const auto conv = [](int64_t filters) {
    return Conv2D({.filters = filters, .kernel_size = {3, 3}, .padding = Padding::Same, .use_bias = false});
  };
  const KerasTensor in = Input({10, 10, 3});
  const KerasTensor stem = conv(16)(in);
  KerasTensor x = Activation("relu")(BatchNormalization()(conv(16)(stem)));
  x = BatchNormalization()(conv(16)(x));
  x = Activation("relu")(Add()({stem, x}));
  x = Dense({.units = 4})(GlobalAveragePooling2D()(x));
  return Model(in, x, {.seed = 5});
}

struct Planned {
  std::unique_ptr<GraphPlan> plan;
  Tensor out;
};

Planned infer(Model& model, const Tensor& x, dnnl::algorithm algorithm) {
  Model::Impl& m = model.impl();
  Planned run{std::make_unique<GraphPlan>(m.nodes, m.output_nodes, x.dim(0), detail::Phase::Infer, m.engine,
                                      GraphPlan::Options{.conv_algorithm = algorithm}),
          Tensor({x.dim(0), model.output_shape()[0]})};
  detail::StepContext step{.stream = dnnl::stream(m.engine)};
  run.plan->forward(TensorRefs(x), step);
  std::copy(run.plan->output(0), run.plan->output(0) + run.out.size(), run.out.data());
  return run;
}

// The n-th layer of a type.
Layer* nth(Model& model, const std::string& type, int n) {
  for (Layer* l : model.layers()) {
    if (l->type() == type && n-- == 0) return l;
  }
  return nullptr;
}

TEST(InferenceLayout, WinogradGraphsKeepTheirConvolutionsInOneBlockedLayout) {
  Model model = residual_model();
  Model::Impl& m = model.impl();
  const bool wino = detail::winograd_available(m.engine);
  const auto auto_alg = dnnl::algorithm::convolution_auto;
  EXPECT_EQ(detail::inference_conv_layout(m.nodes, auto_alg, m.engine), wino ? Tag::aBcd16b : Tag::any);
  EXPECT_EQ(detail::inference_conv_layout(m.nodes, dnnl::algorithm::convolution_direct, m.engine), Tag::any);
  // No 3x3 stride-1 convolution with 16 channels in and out: oneDNN's choice.
  Model mobile = build_model("mobilenet_v2", {.height = 32, .width = 32, .classes = 3, .seed = 1, .alpha = 0.35});
  EXPECT_EQ(detail::inference_conv_layout(mobile.impl().nodes, auto_alg, m.engine), Tag::any);

  const Tensor x = testing::uniform_tensor({2, 10, 10, 3}, 6);
  const Planned blocked = infer(model, x, auto_alg);
  if (wino) {
    // The stem's output, which the residual sum adds into, and the block's output.
    for (size_t k : {size_t{1}, m.nodes.size() - 3}) {
      const dnnl::memory::desc& md = blocked.plan->node_md(k);
      EXPECT_EQ(md, dnnl::memory::desc(md.dims(), dnnl::memory::data_type::f32, Tag::aBcd16b)) << "node " << k;
    }
  }
  EXPECT_LT(testing::rel_error(blocked.out, infer(model, x, dnnl::algorithm::convolution_direct).out), 1e-4);
}

// A predict loop skips re-packing unchanged weights; a kernel or a folded batch
// norm's gamma changed in place (not through training) is still seen.
TEST(InferenceLayout, PredictSeesWeightsChangedInPlace) {
  Model model = residual_model();
  const Tensor x = testing::uniform_tensor({2, 10, 10, 3}, 7);
  const Tensor first = model.predict_on_batch(x)[0];
  EXPECT_EQ(testing::rel_error(first, model.predict_on_batch(x)[0]), 0.0);
  Layer* conv = nth(model, "Conv2D", 1);  // Winograd-shaped, its batch norm folded in
  Layer* bn = nth(model, "BatchNormalization", 0);
  ASSERT_TRUE(conv && bn);
  for (Layer* changed : {conv, bn}) {
    const Tensor before = model.predict_on_batch(x)[0];
    Param* p = changed->params()[0];  // kernel, gamma
    for (int64_t i = 0; i < p->value.size(); i += 3) p->value.data()[i] *= 1.5f;
    const Tensor after = model.predict_on_batch(x)[0];
    EXPECT_GT(testing::rel_error(before, after), 1e-3) << changed->name();
    const Tensor fresh = infer(model, x, dnnl::algorithm::convolution_auto).out;
    EXPECT_LT(testing::rel_error(after, fresh), 1e-5) << changed->name();
  }
}

}  // namespace
}  // namespace petal
