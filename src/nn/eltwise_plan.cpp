// EltwisePlan: one eltwise function forward and backward, bound once.
#include "nn/eltwise_plan.h"

namespace petal::detail {

namespace {

class EltwisePlan final : public LayerPlan {
 public:
  EltwisePlan(const PlanContext& ctx, const EltwiseSpec& spec) : ctx_(ctx), ops_(spec, ctx.src_md, ctx) {
    dst_md_ = ctx.src_md;
  }
  void bind(const memory& src, const memory& dst) override {
    src_ = src;
    dst_ = dst;
    ops_.bind_forward(src, dst);
  }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (ctx_.need_diff_src) ops_.bind_backward(src_, dst_, diff_dst, diff_src);
  }
  void forward(StepContext& step) override { ops_.forward(step.stream); }
  void backward(StepContext& step) override {
    if (ctx_.need_diff_src) ops_.backward(step.stream);
  }

 private:
  PlanContext ctx_;
  EltwiseOps ops_;
  memory src_, dst_;
};

}  // namespace

std::unique_ptr<LayerPlan> make_eltwise_plan(const PlanContext& ctx, const EltwiseSpec& spec) {
  return std::make_unique<EltwisePlan>(ctx, spec);
}

bool has_padding(const memory::desc& md) {
  int64_t logical = 1;
  for (auto d : md.dims()) logical *= d;
  return floats_of(md) != logical;
}

}  // namespace petal::detail
