// A Conv2D on petal's Winograd F(4x4, 3x3) convolution (winograd_conv.h) as a
// layer plan, where oneDNN has no Winograd kernel (CPUs below AVX-512) or the
// model asks for petal's: bias and relu/relu6 fused into the output transform,
// the kernel and its gradient read and written in Keras's layout (the
// transforms repack them every call), activations in the layout the previous
// layer left when its channels come in whole 8-float vectors. At inference it
// takes the followers the graph proposes as far as they are a batch norm
// (folded into kernel and bias), a residual sum and a clamp (relu, relu6,
// clip), a batch norm after the clamp (a per-channel affine), and then a 2x2 max
// pooling (its output is the plan's).
#pragma once

#include <memory>

#include "nn/conv_plan.h"
#include "nn/post_op_chain.h"
#include "nn/winograd_conv.h"

namespace petal::detail {

// Whether a convolution runs on petal's Winograd under this context: a 3x3,
// stride-1 kernel Winograd is allowed for (ConvSpec::winograd_allowed) with
// pads of at most 2, channels in and out multiples of 8, no activation or
// relu/relu6; and the context asks for petal's Winograd (convolution_winograd),
// or for oneDNN's choice (convolution_auto) on a CPU where oneDNN has none, for
// a small output (kOwnWinogradMaxPixels), or at inference where oneDNN's
// Winograd would leave proposed followers out (a batch norm after the
// activation, a pooling): ConvPlan would run direct convolution, which petal's
// Winograd beats on every benchmarked shape (forward, AVX-512: 1.2x at 32
// channels, 64x64 px, to 2.3x at 256 channels, 16x16 px).
bool petal_winograd_fits(const ConvSpec& spec, const PlanContext& ctx);
// With oneDNN's Winograd at hand (AVX-512), auto still takes petal's for
// outputs of at most this many pixels per image: oneDNN's kernel tiles each
// image and is slower on small ones (batch 32, 2 threads, ms forward +
// backward-data + backward-weights, benchmarks/winograd_bench: 256 channels at
// 16x16 px 44.9 petal vs 48.3 oneDNN, 512 at 8x8 46.7 vs 57.4; but 128 at 32x32
// 49.7 vs 44.0, 64 at 64x64 58.4 vs 51.3).
inline constexpr int64_t kOwnWinogradMaxPixels = 16 * 16;

class WinogradPlan final : public LayerPlan {
 public:
  WinogradPlan(const ConvSpec& spec, const PlanContext& ctx);
  void bind(const memory& src, const memory& dst) override;
  void bind_backward(const memory& diff_dst, const memory& diff_src) override;
  void forward(StepContext& step) override;
  void backward(StepContext& step) override;
  size_t fused_followers() const override { return chain_.taken(); }

 private:
  // Takes the leading followers it can run (inference); sets how_ and dst_md_.
  void take_followers(const memory::desc& dst_any);

  static float* data(const memory& m) { return static_cast<float*>(m.get_data_handle()); }
  memory::desc bias_md() const { return memory::desc({spec_.dst_shape[2]}, memory::data_type::f32, Tag::x); }

  PlanContext ctx_;
  ConvSpec spec_;
  Staging stage_;
  FusedActivation act_;
  ParamView kernel_, bias_;
  memory::desc src_md_;  // the layout the transforms read (ctx's, or a staged copy's)
  std::unique_ptr<WinogradConv> conv_;
  TileOutput how_;
  PostOpChain chain_;
  std::vector<float> folded_bias_;  // with a folded batch norm: b * s + t
  int after_affine_ = -1;  // a batch norm follower after the clamp (its index), if taken
  memory src_, dst_, diff_, diff_src_, kernel_value_, kernel_grad_, bias_value_, bias_grad_;
  std::vector<Op> before_, after_backward_;
};

}  // namespace petal::detail
