// A training batch norm and the 3x3 depthwise convolution reading it, as one
// plan (normalized_depthwise_plan.h): statistics and the input gradient on the
// batch norm's loops, the convolution on depthwise_kernels.h, both over the
// same walk of channel blocks and batch parts. Partial kernel gradients and
// sums are kept per part and added in order, so that they do not depend on
// the thread count.
#include "nn/normalized_depthwise_plan.h"

#include <algorithm>
#include <string>
#include <vector>

#include "nn/activation_ops.h"
#include "nn/batch_norm_loops.h"
#include "nn/conv_plan.h"
#include "nn/depthwise_kernels.h"
#include "nn/param_view.h"
#include "nn/part_sums.h"
#include "petal/core/error.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/depthwise_conv2d.h"

namespace petal::detail {

namespace {

constexpr int kTaps = 9;

Param* param_named(Layer& layer, const std::string& name) {
  for (Param* p : layer.params()) {
    if (p->name == name) return p;
  }
  return nullptr;
}

class NormalizedDepthwisePlan final : public LayerPlan {
 public:
  NormalizedDepthwisePlan(DepthwiseConv2D& conv, const PlanContext& ctx)
      : ctx_(ctx),
        norm_(*ctx.input_norm),
        walk_(ctx.src_md),
        loops_(ctx.src_md, ctx.input_norm_activation != ActivationFn::Linear, upper(ctx)),
        kernels_(cpu_level()),
        conv_where_(conv.where()) {
    const Dims dims = ctx.src_md.dims();
    const Shape& out = conv.output_shape();
    const std::array<int64_t, 4> pads = conv.pads();
    shape_ = {dims[2], dims[3], out[0], out[1], conv.options().strides[0], pads[0] + ctx.folded_padding[0],
              pads[1] + ctx.folded_padding[1], static_cast<int>(walk_.block())};
    const memory::format_tag tag = shape_.block == 16 ? Tag::aBcd16b : Tag::aBcd8b;
    dst_md_ = memory::desc({dims[0], dims[1], out[0], out[1]}, memory::data_type::f32, tag);
    const int64_t c = walk_.channels(), padded = walk_.blocks() * shape_.block;
    kernel_md_ = keras_conv_kernel_md(3, 3, c, c, c);
    kernel_ = ParamView(*conv.params()[0], kernel_md_, ctx.engine);
    gamma_ = param_named(norm_, "gamma");
    beta_ = param_named(norm_, "beta");
    moving_mean_ = param_named(norm_, "moving_mean");
    moving_var_ = param_named(norm_, "moving_variance");
    for (auto* v : {&mean_, &var_}) v->resize(static_cast<size_t>(c));
    for (auto* v : {&scale_, &shift_, &padded_mean_, &padded_inv_}) v->assign(static_cast<size_t>(padded), 0.0f);
    weights_.assign(static_cast<size_t>(padded * kTaps), 0.0f);
    kernel_parts_ = PartSums<float>(walk_, kTaps);
    grad_parts_ = PartSums<double>(walk_, 2);
    out_parts_ = PartSums<double>(walk_, 2);
    for (auto* v : {&db_, &dg_, &out_sum_, &out_sq_}) v->resize(static_cast<size_t>(c));
    out_statistics_ = {out_sum_.data(), out_sq_.data()};
  }

  void bind(const memory& src, const memory& dst) override {
    src_ = src;
    dst_ = dst;
    kernel_value_ = kernel_.value_for(kernel_md_);
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    diff_dst_ = diff_dst;
    diff_src_ = diff_src;
    kernel_grad_ = kernel_.grad_for(kernel_md_);
  }

  void forward(StepContext& step) override {
    const auto& o = norm_.options();
    kernel_.prepare_value(step.stream);
    step.stream.wait();
    const auto* x = static_cast<const float*>(src_.get_data_handle());
    if (ctx_.input_statistics) {  // another normalised depthwise convolution made x
      loops_.statistics_from(ctx_.input_statistics->sum, ctx_.input_statistics->sum_sq, mean_.data(), var_.data());
    } else {
      loops_.statistics(x, mean_.data(), var_.data());
    }
    normalized_ = loops_.set_affine(mean_.data(), var_.data(), o.epsilon, value_of(gamma_), value_of(beta_));
    std::copy_n(normalized_.scale, mean_.size(), scale_.begin());
    std::copy_n(normalized_.shift, mean_.size(), shift_.begin());
    pack_weights();
    auto* y = static_cast<float*>(dst_.get_data_handle());
    const int64_t block = shape_.block;
    walk_.for_each_part([&](int64_t cb, int64_t part, int64_t n0, int64_t n1) {
      const ChannelAffine in = normalized_at(cb);
      double* out = out_parts_.zeroed(part, cb);
      const ChannelSums sums{out, out + block};
      for (int64_t n = n0; n < n1; ++n) {
        kernels_.forward(shape_, in, weights_.data() + cb * kTaps * block, x + offset(n, cb, shape_.in_h, shape_.in_w),
                         y + offset(n, cb, shape_.out_h, shape_.out_w), &sums);
      }
    });
    for (int64_t ch = 0; ch < walk_.channels(); ++ch) {
      out_sum_[ch] = out_parts_.total(ch, 0);
      out_sq_[ch] = out_parts_.total(ch, 1);
    }
    update_moving_statistics(moving_mean_->value.data(), moving_var_->value.data(), mean_.data(), var_.data(),
                             walk_.channels(), o.momentum, walk_.positions());
  }

  void backward(StepContext& step) override {
    const auto& o = norm_.options();
    const auto* x = static_cast<const float*>(src_.get_data_handle());
    const auto* dy = static_cast<const float*>(diff_dst_.get_data_handle());
    float* g = diff_src_ ? static_cast<float*>(diff_src_.get_data_handle()) : nullptr;
    const std::vector<float>& inv = loops_.inverse_std(var_.data(), o.epsilon);
    std::copy(inv.begin(), inv.end(), padded_inv_.begin());
    std::copy(mean_.begin(), mean_.end(), padded_mean_.begin());
    kernel_.prepare_grad(step.accumulate_grads);
    if (out_norm_) {
      if (!out_norm_->terms) {
        throw Error("internal: the batch norm after " + conv_where_ + " did not describe its deferred input gradient.");
      }
      pad_output_norm();
    }
    const int64_t block = shape_.block;
    walk_.for_each_part([&](int64_t cb, int64_t part, int64_t n0, int64_t n1) {
      float* dw = kernel_parts_.zeroed(part, cb);
      double* db = grad_parts_.zeroed(part, cb);
      double* dg = db + block;
      const ChannelAffine in = normalized_at(cb);
      for (int64_t n = n0; n < n1; ++n) {
        const int64_t at = offset(n, cb, shape_.in_h, shape_.in_w);
        const int64_t out_at = offset(n, cb, shape_.out_h, shape_.out_w);
        ChannelAffine mask;
        const OutputNorm on = output_norm_at(cb, out_at, mask);
        const DepthwiseBackward b{dy + out_at, out_norm_ ? &on : nullptr, padded_mean_.data() + cb * block,
                                  padded_inv_.data() + cb * block, g ? g + at : nullptr, dw, db, dg};
        kernels_.backward(shape_, in, weights_.data() + cb * kTaps * block, x + at, b);
      }
    });
    add_parts();
    kernel_.commit_grad(step.stream, step.accumulate_grads);
    loops_.backward_with_sums({x, g, mean_.data(), var_.data(), o.epsilon, value_of(gamma_), g,
                               gamma_ ? gamma_->grad.data() : nullptr, beta_ ? beta_->grad.data() : nullptr,
                               step.accumulate_grads},
                              db_.data(), dg_.data());
  }

  const OutputStatistics* output_statistics() const override { return &out_statistics_; }
  bool takes_deferred_gradient() const override { return true; }
  void take_deferred_gradient(const DeferredGradient* d) override {
    out_norm_ = d;
    out_terms_.assign(static_cast<size_t>(6 * walk_.blocks() * shape_.block), 0.0f);
  }

 private:
  static float upper(const PlanContext& ctx) {
    const ActivationFn act = ctx.input_norm_activation;
    return act == ActivationFn::Linear ? 0.0f : clamp_upper(act, ctx.input_norm->where());
  }
  static const float* value_of(const Param* p) { return p ? p->value.data() : nullptr; }

  // Image n's channel block cb in a dense aBcd8b / aBcd16b tensor of h x w pixels.
  int64_t offset(int64_t n, int64_t cb, int64_t h, int64_t w) const {
    return ((n * walk_.blocks() + cb) * h * w) * shape_.block;
  }

  // The normalisation of block cb (normalized_ with the padded arrays).
  ChannelAffine normalized_at(int64_t cb) const {
    ChannelAffine in = normalized_;
    in.scale = scale_.data() + cb * shape_.block;
    in.shift = shift_.data() + cb * shape_.block;
    return in;
  }

  // The deferred gradient's per-channel arrays, padded to whole blocks with zeros
  // (which make the padded channels' output gradient 0): k, c, slope, mean,
  // the mask's scale and shift.
  void pad_output_norm() {
    const auto padded = static_cast<size_t>(walk_.blocks() * shape_.block), c = mean_.size();
    const InputGradArgs& t = *out_norm_->terms;
    size_t at = 0;
    for (const float* v : {t.k, t.c, t.slope, t.mean, t.mask ? t.mask->scale : nullptr, t.mask ? t.mask->shift : nullptr}) {
      if (v) std::copy_n(v, c, out_terms_.begin() + static_cast<std::ptrdiff_t>(at));
      at += padded;
    }
  }

  // Block cb of image n (at out_at) of the deferred gradient; `mask` holds its mask.
  OutputNorm output_norm_at(int64_t cb, int64_t out_at, ChannelAffine& mask) const {
    if (!out_norm_) return {};
    const int64_t padded = walk_.blocks() * shape_.block;
    const float* t = out_terms_.data() + cb * shape_.block;
    const ChannelAffine* m = out_norm_->terms->mask;
    if (m) mask = {t + 4 * padded, t + 5 * padded, m->clamp, m->lo, m->hi};
    return {out_norm_->x + out_at, out_norm_->dy + out_at,
            InputGradArgs{t, t + padded, t + 2 * padded, t + 3 * padded, m ? &mask : nullptr}};
  }

  // Keras's [3, 3, C, 1] into [channel block][tap][channel in the block].
  void pack_weights() {
    const auto* w = static_cast<const float*>(kernel_value_.get_data_handle());
    const int64_t c = walk_.channels(), block = shape_.block;
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int t = 0; t < kTaps; ++t) weights_[((ch / block) * kTaps + t) * block + ch % block] = w[t * c + ch];
    }
  }

  // The parts' kernel gradients (into the kernel's, Keras's layout) and the batch norm's sums, in order.
  void add_parts() {
    auto* grad = static_cast<float*>(kernel_grad_.get_data_handle());
    const int64_t c = walk_.channels();
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int t = 0; t < kTaps; ++t) grad[t * c + ch] = static_cast<float>(kernel_parts_.total(ch, t));
      db_[ch] = grad_parts_.total(ch, 0);
      dg_[ch] = grad_parts_.total(ch, 1);
    }
  }

  PlanContext ctx_;
  BatchNormalization& norm_;
  ChannelWalk walk_;
  BatchNormLoops loops_;
  DepthwiseKernels kernels_;
  std::string conv_where_;
  DepthwiseShape shape_;
  ChannelAffine normalized_;  // the batch norm's affine and clamp (its arrays unpadded)
  memory::desc kernel_md_;
  ParamView kernel_;
  memory kernel_value_, kernel_grad_;
  Param* gamma_ = nullptr;
  Param* beta_ = nullptr;
  Param* moving_mean_ = nullptr;
  Param* moving_var_ = nullptr;
  memory src_, dst_, diff_dst_, diff_src_;
  std::vector<float> mean_, var_, scale_, shift_, padded_mean_, padded_inv_, weights_;
  PartSums<float> kernel_parts_;                   // the kernel's gradient
  PartSums<double> grad_parts_, out_parts_;        // the batch norm's sums; the output's sum and sum of squares
  std::vector<double> db_, dg_, out_sum_, out_sq_;  // their totals
  OutputStatistics out_statistics_;
  const DeferredGradient* out_norm_ = nullptr;  // the batch norm after this one left its input gradient here
  std::vector<float> out_terms_;                // its arrays, padded (pad_output_norm)
};

}  // namespace

bool normalized_depthwise_fits(const BatchNormalization& norm, const DepthwiseConv2D& conv) {
  const auto& o = conv.options();
  const bool channels = norm.resolved_axis() == static_cast<int>(norm.input_shape().size());
  return channels && norm.input_shape().size() == 3 && o.kernel_size == std::array<int64_t, 2>{3, 3} &&
         o.strides[0] == o.strides[1] && (o.strides[0] == 1 || o.strides[0] == 2) &&
         o.dilation_rate == std::array<int64_t, 2>{1, 1} && o.depth_multiplier == 1 && !o.use_bias &&
         o.activation == "linear";
}

bool normalized_depthwise_layout(const memory::desc& md) {
  if (md.dims().size() != 4 || md.data_type() != memory::data_type::f32) return false;
  return md == memory::desc(md.dims(), memory::data_type::f32, Tag::aBcd16b) ||
         md == memory::desc(md.dims(), memory::data_type::f32, Tag::aBcd8b);
}

std::unique_ptr<LayerPlan> make_normalized_depthwise_plan(DepthwiseConv2D& conv, const PlanContext& ctx) {
  return std::make_unique<NormalizedDepthwisePlan>(conv, ctx);
}

}  // namespace petal::detail
