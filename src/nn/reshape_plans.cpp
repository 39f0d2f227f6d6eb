// Plans of Reshape and Permute: one oneDNN reorder each way. The reorder reads
// the input in whatever layout it has and writes the output plain (row-major,
// Keras order); Permute writes through a view of the output with the input's
// axes, so the model input (whose buffer moves every step) is never re-viewed.
#include "layers/keras_axes.h"
#include "nn/layer_plan.h"
#include "petal/layers/reshaping.h"

namespace petal {

namespace {

using namespace detail;

// dst = reorder(src, view of dst); diff_src = reorder(view of diff_dst, diff_src).
class ViewReorderPlan final : public LayerPlan {
 public:
  // view: the output buffer seen with the input's logical dims.
  ViewReorderPlan(const PlanContext& ctx, const memory::desc& dst, const memory::desc& view) : ctx_(ctx), view_(view) {
    dst_md_ = dst;
  }
  void bind(const memory& src, const memory& dst) override {
    fwd_ = make_reorder(src, memory(view_, ctx_.engine, dst.get_data_handle()));
  }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (ctx_.need_diff_src) bwd_ = make_reorder(memory(view_, ctx_.engine, diff_dst.get_data_handle()), diff_src);
  }
  void forward(StepContext& step) override { fwd_.run(step.stream); }
  void backward(StepContext& step) override {
    if (bwd_) bwd_.run(step.stream);
  }

 private:
  PlanContext ctx_;
  memory::desc view_;
  Op fwd_, bwd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> Reshape::make_plan(const detail::PlanContext& ctx) {
  // Row-major output bytes are row-major input bytes: view them as the input.
  return std::make_unique<ViewReorderPlan>(ctx, plain_md(with_batch(ctx.batch, output_shape())),
                                           plain_md(with_batch(ctx.batch, input_shape())));
}

std::unique_ptr<detail::LayerPlan> Permute::make_plan(const detail::PlanContext& ctx) {
  const size_t rank = input_shape().size();
  const memory::desc dst = plain_md(with_batch(ctx.batch, output_shape()));
  // Output Keras axis j holds input axis dims[j - 1]; in oneDNN's dim order,
  // output dim dnnl_axis(j) moves to dnnl_axis(dims[j - 1]).
  std::vector<int> perm(rank + 1);
  perm[0] = 0;
  for (size_t j = 1; j <= rank; ++j) {
    perm[static_cast<size_t>(dnnl_axis(static_cast<int>(j), rank))] = dnnl_axis(options_.dims[j - 1], rank);
  }
  return std::make_unique<ViewReorderPlan>(ctx, dst, dst.permute_axes(perm));
}

}  // namespace petal
