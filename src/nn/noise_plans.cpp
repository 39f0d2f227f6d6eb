// Plans of SpatialDropout2D, GaussianNoise and GaussianDropout while training:
// a loop draws the step's noise from a hash of (seed, step, logical index) into
// a plain buffer (oneDNN has no random-number primitive), then oneDNN's binary
// primitive adds or multiplies it in the input's layout.
#include <cmath>
#include <functional>

#include "nn/layer_plan.h"
#include "petal/core/rng.h"
#include "petal/layers/noise_layers.h"

namespace petal {

namespace {

using namespace detail;
using dnnl::algorithm;

// murmur3's 64-bit finaliser: independent bits for every (key, index).
inline uint64_t mix64(uint64_t z) {
  z ^= z >> 33;
  z *= 0xFF51AFD7ED558CCDull;
  z ^= z >> 33;
  z *= 0xC4CEB9FE1A85EC53ull;
  z ^= z >> 33;
  return z;
}

// A standard normal from 48 hashed bits (Box-Muller on two 24-bit uniforms).
inline float normal_at(uint64_t key, int64_t i) {
  const uint64_t h = mix64(static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull ^ key);
  const float u1 = static_cast<float>((h >> 40) + 1) * 0x1p-24f;  // (0, 1]
  const float u2 = static_cast<float>((h >> 16) & 0xFFFFFFu) * 0x1p-24f;
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318530717958647692f * u2);
}

using Fill = std::function<void(float* noise, uint64_t key)>;

// dst = src (op) noise, noise redrawn every step; backward: diff_src = diff_dst
// for add, diff_dst * noise for mul.
class NoisePlan final : public LayerPlan {
 public:
  // noise_md: plain layout of the drawn noise (the input's shape, or a
  // broadcastable [N, C, 1, 1]).
  NoisePlan(const PlanContext& ctx, const memory::desc& noise_md, algorithm op, uint64_t seed, Fill fill)
      : ctx_(ctx), stage_(ctx.engine), op_(op), seed_(seed), fill_(std::move(fill)), noise_(noise_md, ctx.engine) {
    dst_md_ = ctx.src_md;
    const bool broadcast = noise_md.dims() != ctx.src_md.dims();
    // Same-shaped noise goes into the input's layout (a reorder keeps any padding zero).
    operand_ = broadcast ? noise_.mem() : stage_.input(noise_.mem(), ctx.src_md, prepare_);
  }
  void bind(const memory& src, const memory& dst) override {
    fwd_ = binary(src, dst);
  }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (!ctx_.need_diff_src) return;
    bwd_ = op_ == algorithm::binary_add ? make_reorder(diff_dst, diff_src) : binary(diff_dst, diff_src);
  }
  void forward(StepContext& step) override {
    fill_(noise_.data(), hash64(seed_, step.step));
    run_all(prepare_, step.stream);
    fwd_.run(step.stream);
  }
  void backward(StepContext& step) override {
    if (bwd_) bwd_.run(step.stream);
  }

 private:
  Op binary(const memory& a, const memory& out) {
    dnnl::binary::primitive_desc pd({op_, a.get_desc(), operand_.get_desc(), out.get_desc()}, scratch_attr(),
                                    ctx_.engine);
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC_0, a}, {DNNL_ARG_SRC_1, operand_}, {DNNL_ARG_DST, out}};
    add_scratchpad(args, pd, ctx_.scratchpad);
    return Op(dnnl::binary(pd), std::move(args));
  }

  PlanContext ctx_;
  Staging stage_;
  algorithm op_;
  uint64_t seed_;
  Fill fill_;
  Buffer noise_;   // plain, Keras order
  memory operand_;  // the noise as the binary primitive reads it
  std::vector<Op> prepare_;
  Op fwd_, bwd_;
};

// Fills n normals: noise[i] = mean + stddev * z(key, i).
Fill normal_fill(int64_t n, float mean, float stddev) {
  return [=](float* noise, uint64_t key) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) noise[i] = mean + stddev * normal_at(key, i);
  };
}

}  // namespace

std::unique_ptr<detail::LayerPlan> SpatialDropout2D::make_plan(const detail::PlanContext& ctx) {
  if (ctx.phase == Phase::Infer || rate() == 0.0f) return std::make_unique<IdentityPlan>(ctx.src_md);
  const int64_t n = ctx.batch * input_shape()[2];
  const auto threshold = static_cast<uint64_t>(static_cast<double>(rate()) * 16777216.0);
  const float scale = 1.0f / (1.0f - rate());
  // One keep/drop per (sample, channel), from 24 hashed bits as Dropout.
  Fill fill = [=](float* mask, uint64_t key) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      mask[i] = (mix64(static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull ^ key) >> 40) >= threshold ? scale : 0.0f;
    }
  };
  const memory::desc mask_md({ctx.batch, input_shape()[2], 1, 1}, memory::data_type::f32, Tag::abcd);
  return std::make_unique<NoisePlan>(ctx, mask_md, algorithm::binary_mul, noise_seed(), std::move(fill));
}

std::unique_ptr<detail::LayerPlan> GaussianNoise::make_plan(const detail::PlanContext& ctx) {
  if (ctx.phase == Phase::Infer || stddev() == 0.0f) return std::make_unique<IdentityPlan>(ctx.src_md);
  const Shape shape = with_batch(ctx.batch, input_shape());
  return std::make_unique<NoisePlan>(ctx, plain_md(shape), algorithm::binary_add, noise_seed(),
                                     normal_fill(num_elements(shape), 0.0f, stddev()));
}

std::unique_ptr<detail::LayerPlan> GaussianDropout::make_plan(const detail::PlanContext& ctx) {
  if (ctx.phase == Phase::Infer || rate() == 0.0f) return std::make_unique<IdentityPlan>(ctx.src_md);
  const Shape shape = with_batch(ctx.batch, input_shape());
  const auto stddev = static_cast<float>(std::sqrt(static_cast<double>(rate()) / (1.0 - rate())));
  return std::make_unique<NoisePlan>(ctx, plain_md(shape), algorithm::binary_mul, noise_seed(),
                                     normal_fill(num_elements(shape), 1.0f, stddev));
}

}  // namespace petal
