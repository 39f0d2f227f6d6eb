// Plans of the weightless layers: Flatten (reorder to NHWC order), Dropout
// (seeded inverted dropout), Activation (eltwise or softmax).
#include <omp.h>

#include <cstring>

#include "nn/activation_ops.h"
#include "nn/layer_plan.h"
#include "petal/core/rng.h"
#include "petal/layers/core_layers.h"

namespace petal {

namespace {

using namespace detail;

// [N, H, W, C] in any layout -> plain [N, H*W*C] (NHWC order) and back.
class FlattenPlan final : public LayerPlan {
 public:
  FlattenPlan(const PlanContext& ctx, const Shape& in) : ctx_(ctx) {
    nhwc_ = plain_md(with_batch(ctx.batch, in));
    dst_md_ = plain_md({ctx.batch, num_elements(in)});
  }
  void bind(const memory& src, const memory& dst) override {
    fwd_ = make_reorder(src, memory(nhwc_, ctx_.engine, dst.get_data_handle()));
  }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (ctx_.need_diff_src) bwd_ = make_reorder(memory(nhwc_, ctx_.engine, diff_dst.get_data_handle()), diff_src);
  }
  void forward(StepContext& step) override { fwd_.run(step.stream); }
  void backward(StepContext& step) override {
    if (bwd_) bwd_.run(step.stream);
  }

 private:
  PlanContext ctx_;
  memory::desc nhwc_;
  Op fwd_, bwd_;
};

class DropoutPlan final : public LayerPlan {
 public:
  DropoutPlan(const PlanContext& ctx, float rate, uint64_t seed)
      : ctx_(ctx), rate_(rate), seed_(seed), n_(floats_of(ctx.src_md)), mask_(static_cast<size_t>(n_)) {
    dst_md_ = ctx.src_md;
  }
  // Handles are read at run time: the source may be the model input, whose
  // buffer changes every step.
  void bind(const memory& src, const memory& dst) override {
    src_ = src;
    dst_ = dst;
  }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    diff_dst_ = diff_dst;
    if (ctx_.need_diff_src) diff_src_ = diff_src;
  }

  // 24 random bits per element from a 32-bit hash (murmur3's finaliser) of
  // (step key, element index): vectorises, and any thread computes any element.
  void forward(StepContext& step) override {
    step.stream.wait();
    const auto key = static_cast<uint32_t>(hash64(seed_, step.step));
    const auto threshold = static_cast<uint32_t>(static_cast<double>(rate_) * 16777216.0);
    const float scale = 1.0f / (1.0f - rate_);
    const auto* src = static_cast<const float*>(src_.get_data_handle());
    auto* dst = static_cast<float*>(dst_.get_data_handle());
    uint8_t* mask = mask_.data();
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n_; ++i) {
      uint32_t h = static_cast<uint32_t>(i) * 0x9E3779B1u ^ key;
      h ^= h >> 16;
      h *= 0x85EBCA6Bu;
      h ^= h >> 13;
      h *= 0xC2B2AE35u;
      h ^= h >> 16;
      const bool keep = (h >> 8) >= threshold;
      mask[i] = keep;
      dst[i] = src[i] * (keep ? scale : 0.0f);
    }
  }

  void backward(StepContext& step) override {
    if (!diff_src_) return;
    step.stream.wait();
    const float scale = 1.0f / (1.0f - rate_);
    const auto* dy = static_cast<const float*>(diff_dst_.get_data_handle());
    auto* dx = static_cast<float*>(diff_src_.get_data_handle());
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n_; ++i) dx[i] = mask_[i] ? dy[i] * scale : 0.0f;
  }

 private:
  PlanContext ctx_;
  float rate_;
  uint64_t seed_;
  int64_t n_;
  std::vector<uint8_t> mask_;
  memory src_, dst_, diff_dst_, diff_src_;
};

class ActivationPlan final : public LayerPlan {
 public:
  ActivationPlan(const PlanContext& ctx, ActivationFn fn) : ctx_(ctx), ops_(fn, ctx.src_md, ctx) {
    dst_md_ = ctx.src_md;
  }
  bool ends_in_softmax() const override { return ops_.fn() == ActivationFn::Softmax; }
  bool ends_in_sigmoid() const override { return ops_.fn() == ActivationFn::Sigmoid; }
  void bind(const memory& src, const memory& dst) override {
    src_ = src;
    dst_ = dst;
    ops_.bind_forward(src, dst);
  }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (!ctx_.need_diff_src) return;
    ops_.bind_backward(src_, dst_, diff_dst, diff_src);
    pass_through_ = make_reorder(diff_dst, diff_src);
  }
  void forward(StepContext& step) override { ops_.forward(step.stream); }
  void backward(StepContext& step) override {
    if (!ctx_.need_diff_src) return;
    if (step.pre_activation_grad) {
      pass_through_.run(step.stream);
    } else {
      ops_.backward(step.stream);
    }
  }

 private:
  PlanContext ctx_;
  ActivationOps ops_;
  memory src_, dst_;
  Op pass_through_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> Flatten::make_plan(const detail::PlanContext& ctx) {
  if (input_shape().size() == 1) return std::make_unique<IdentityPlan>(ctx.src_md);
  return std::make_unique<FlattenPlan>(ctx, input_shape());
}

std::unique_ptr<detail::LayerPlan> Dropout::make_plan(const detail::PlanContext& ctx) {
  if (ctx.phase == Phase::Infer || rate() == 0.0f) return std::make_unique<IdentityPlan>(ctx.src_md);
  return std::make_unique<DropoutPlan>(ctx, rate(), mask_seed());
}

std::unique_ptr<detail::LayerPlan> Activation::make_plan(const detail::PlanContext& ctx) {
  if (fn() == ActivationFn::Linear) return std::make_unique<IdentityPlan>(ctx.src_md);
  return std::make_unique<ActivationPlan>(ctx, fn());
}

}  // namespace petal
