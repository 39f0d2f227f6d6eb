// PostOpChain: which layers have a post-op form, and the binary/eltwise post-ops
// with their per-channel scale and shift buffers.
#include "nn/post_op_chain.h"

#include <cmath>

#include "layers/batch_norm_affine.h"
#include "nn/activation_ops.h"
#include "nn/eltwise_plan.h"
#include "petal/core/error.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/pooling.h"
#include "petal/layers/rescaling.h"

namespace petal::detail {

namespace {

PostOpFollower eltwise_follower(const EltwiseSpec& spec) {
  PostOpFollower f;
  f.eltwise = spec;
  return f;
}

std::optional<PostOpFollower> batch_norm_form(const BatchNormalization& bn) {
  if (static_cast<size_t>(bn.resolved_axis()) != bn.input_shape().size()) return std::nullopt;  // not the channels
  PostOpFollower f;
  f.affine = true;
  f.batch_norm.epsilon = bn.options().epsilon;
  for (const Param* p : bn.params()) {
    if (p->layout) return std::nullopt;
    if (p->name == "gamma") f.batch_norm.gamma = p;
    if (p->name == "beta") f.batch_norm.beta = p;
    if (p->name == "moving_mean") f.batch_norm.mean = p;
    if (p->name == "moving_variance") f.batch_norm.variance = p;
  }
  if (!f.batch_norm.mean || !f.batch_norm.variance) return std::nullopt;
  return f;
}

std::optional<PostOpFollower> pool_form(const MaxPooling2D& pool) {
  const Shape& in = pool.input_shape();
  const Shape& out = pool.output_shape();
  const bool halves = in.size() == 3 && out.size() == 3 && out[0] == in[0] / 2 && out[1] == in[1] / 2;
  if (pool.options().pool_size != std::array<int64_t, 2>{2, 2} || pool.strides() != std::array<int64_t, 2>{2, 2} ||
      !halves) {
    return std::nullopt;
  }
  PostOpFollower f;
  f.pool = true;
  return f;
}

}  // namespace

std::optional<PostOpFollower> post_op_form(const Layer& layer) {
  if (const auto* pool = dynamic_cast<const MaxPooling2D*>(&layer)) return pool_form(*pool);
  if (const auto* bn = dynamic_cast<const BatchNormalization*>(&layer)) return batch_norm_form(*bn);
  if (const auto* act = dynamic_cast<const Activation*>(&layer)) {
    if (act->fn() == ActivationFn::Linear || act->fn() == ActivationFn::Softmax) return std::nullopt;
    return eltwise_follower(eltwise_spec(act->fn()));
  }
  if (const auto* relu = dynamic_cast<const ReLU*>(&layer)) {
    const std::optional<EltwiseSpec> spec = relu_layer_spec(relu->options());
    if (!spec) return std::nullopt;
    return eltwise_follower(*spec);
  }
  if (const auto* leaky = dynamic_cast<const LeakyReLU*>(&layer)) return eltwise_follower(relu_like(leaky->alpha()));
  if (const auto* elu = dynamic_cast<const ELU*>(&layer)) return eltwise_follower(elu_layer_spec(elu->alpha()));
  if (const auto* r = dynamic_cast<const Rescaling*>(&layer)) {
    return eltwise_follower(linear_spec(r->options().scale, r->options().offset));
  }
  return std::nullopt;
}

PostOpChain::PostOpChain(std::vector<PostOpFollower> followers, int64_t channels, int rank,
                         const dnnl::engine& engine)
    : followers_(std::move(followers)) {
  pool_proposed_ = !followers_.empty() && followers_.back().pool;
  if (pool_proposed_) followers_.pop_back();
  affine_.resize(followers_.size());
  Dims dims(static_cast<size_t>(rank), 1);
  dims[1] = channels;
  channel_md_ = memory::desc(dims, memory::data_type::f32, rank == 2 ? Tag::ab : rank == 3 ? Tag::abc : Tag::abcd);
  int64_t n = 0;
  for (const PostOpFollower& f : followers_) n += f.affine ? 2 * channels : 0;
  if (n == 0) return;
  storage_ = Buffer(memory::desc({n}, memory::data_type::f32, Tag::x), engine);
  float* at = storage_.data();
  for (size_t i = 0; i < followers_.size(); ++i) {
    if (!followers_[i].affine) continue;
    affine_[i].scale = memory(channel_md_, engine, at);
    affine_[i].shift = memory(channel_md_, engine, at + channels);
    at += 2 * channels;
  }
}

bool PostOpChain::fold_leading_affine() {
  folded_ = !followers_.empty() && followers_[0].affine;
  return folded_;
}

void PostOpChain::folded_bias(const float* b, float* out) const {
  const float* s = leading_scale();
  const float* t = leading_shift();
  for (int64_t c = 0; c < channel_md_.dims()[1]; ++c) out[c] = (b ? b[c] * s[c] : 0.0f) + t[c];
}

float* PostOpChain::scale_of(size_t i) const { return static_cast<float*>(affine_.at(i).scale.get_data_handle()); }

float* PostOpChain::shift_of(size_t i) const { return static_cast<float*>(affine_.at(i).shift.get_data_handle()); }

size_t PostOpChain::eltwise_prefix() const {
  size_t n = min_taken();
  while (n < followers_.size() && !followers_[n].affine) ++n;
  return n;
}

size_t PostOpChain::fitting(size_t count, const memory::desc& dst_md) const {
  for (size_t i = 0; i < count; ++i) {
    if (followers_[i].sum && followers_[i].sum_md != dst_md) return i;
  }
  return count;
}

size_t PostOpChain::before_sum(size_t count) const {
  for (size_t i = 0; i < count; ++i) {
    if (followers_[i].sum) return i;
  }
  return count;
}

memory::desc PostOpChain::required_dst(size_t count) const {
  for (size_t i = 0; i < count; ++i) {
    if (followers_[i].sum) return followers_[i].sum_md;
  }
  return {};
}

void PostOpChain::append(dnnl::post_ops& ops, size_t count) {
  if (count > followers_.size()) throw Error("internal: a plan took more post-ops than were proposed");
  for (size_t i = min_taken(); i < count; ++i) {
    if (followers_[i].sum) {
      ops.append_sum(1.0f);
      continue;
    }
    if (!followers_[i].affine) {
      EltwiseOps::append_post_ops(ops, followers_[i].eltwise);
      continue;
    }
    affine_[i].mul_index = ops.len();
    ops.append_binary(dnnl::algorithm::binary_mul, channel_md_);
    affine_[i].add_index = ops.len();
    ops.append_binary(dnnl::algorithm::binary_add, channel_md_);
  }
  taken_ = count;
  pool_taken_ = false;
}

bool PostOpChain::take_pool() {
  pool_taken_ = pool_proposed_ && taken_ == followers_.size();
  return pool_taken_;
}

void PostOpChain::add_args(std::vector<std::pair<int, memory>>& args) const {
  for (size_t i = min_taken(); i < taken_; ++i) {
    if (!followers_[i].affine) continue;
    args.push_back({DNNL_ARG_ATTR_MULTIPLE_POST_OP(affine_[i].mul_index) | DNNL_ARG_SRC_1, affine_[i].scale});
    args.push_back({DNNL_ARG_ATTR_MULTIPLE_POST_OP(affine_[i].add_index) | DNNL_ARG_SRC_1, affine_[i].shift});
  }
}

void PostOpChain::prepare() const {
  for (size_t i = 0; i < taken_; ++i) {
    if (!followers_[i].affine) continue;
    const BatchNormParams& a = followers_[i].batch_norm;
    batch_norm_affine(a.gamma ? a.gamma->value.data() : nullptr, a.beta ? a.beta->value.data() : nullptr,
                      a.mean->value.data(), a.variance->value.data(), a.epsilon, a.mean->value.size(),
                      static_cast<float*>(affine_[i].scale.get_data_handle()),
                      static_cast<float*>(affine_[i].shift.get_data_handle()));
  }
}

}  // namespace petal::detail
