// Global average pooling over channel-block runs (global_average_plan.h): the
// forward sums each image's rows in double (the batch-norm statistics kernel)
// into a plain [N, C] output; backward writes dy / (H W) into every row.
#include "nn/global_average_plan.h"

#include <algorithm>

#include "nn/channel_kernels.h"

namespace petal::detail {

namespace {

class GlobalAveragePlan final : public LayerPlan {
 public:
  GlobalAveragePlan(const PlanContext& ctx, const Shape& in)
      : walk_(ctx.src_md), kernels_(cpu_level()), need_diff_src_(ctx.need_diff_src && ctx.backward) {
    dst_md_ = plain_md({ctx.batch, in[2]});
    inverse_area_ = 1.0 / static_cast<double>(in[0] * in[1]);
  }

  void bind(const memory& src, const memory& dst) override { src_ = src, dst_ = dst; }
  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    diff_dst_ = diff_dst, diff_src_ = diff_src;
  }

  void forward(StepContext& step) override {
    step.stream.wait();
    const auto* x = static_cast<const float*>(src_.get_data_handle());
    auto* y = static_cast<float*>(dst_.get_data_handle());
    each_image([&](int64_t cb, int64_t n) {
      double sum[kMaxChannelBlock] = {}, squares[kMaxChannelBlock] = {};
      const int width = walk_.channels_in(cb);
      walk_.runs(cb, n, n + 1, [&](const RowRun& run) { kernels_.sum_squares(x, run, width, sum, squares); });
      float* out = y + n * walk_.channels() + cb * walk_.block();
      for (int i = 0; i < width; ++i) out[i] = static_cast<float>(sum[i] * inverse_area_);
    });
  }

  void backward(StepContext& step) override {
    if (!need_diff_src_) return;
    step.stream.wait();
    const auto* dy = static_cast<const float*>(diff_dst_.get_data_handle());
    auto* dx = static_cast<float*>(diff_src_.get_data_handle());
    each_image([&](int64_t cb, int64_t n) {
      float value[kMaxChannelBlock] = {};  // a partial block's padding stays zero (channel_walk.h)
      const int width = walk_.channels_in(cb);
      const float* g = dy + n * walk_.channels() + cb * walk_.block();
      for (int i = 0; i < width; ++i) value[i] = static_cast<float>(g[i] * inverse_area_);
      walk_.runs(cb, n, n + 1, [&](const RowRun& run) {
        for (int64_t r = 0; r < run.rows; ++r) std::copy_n(value, walk_.block(), dx + run.offset + r * run.stride);
      });
    });
  }

 private:
  // fn(channel block, image) for every pair, in parallel.
  template <typename Fn>
  void each_image(Fn fn) const {
    walk_.for_each_part([&](int64_t cb, int64_t, int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) fn(cb, n);
    });
  }

  ChannelWalk walk_;
  ChannelKernels kernels_;
  bool need_diff_src_;
  double inverse_area_ = 1.0;
  memory src_, dst_, diff_dst_, diff_src_;
};

}  // namespace

std::unique_ptr<LayerPlan> global_average_plan(const PlanContext& ctx, const Shape& input_shape) {
  // Vectorised over a channel block: plain layouts stay on oneDNN.
  if (!ChannelWalk::supported(ctx.src_md) || ctx.src_md.dims().size() != 4) return nullptr;
  if (ChannelWalk(ctx.src_md).block() < 8) return nullptr;
  return std::make_unique<GlobalAveragePlan>(ctx, input_shape);
}

}  // namespace petal::detail
