// Merge plans. Elementwise merges run in the first input's layout (others are
// reordered into it) as one vectorised loop: oneDNN's binary primitive takes
// two inputs and has no backward, and a loop covers every op and input count.
// An Add runs a fused relu or relu6 (PlanContext::fused_activation) in the same
// loop, and its backward masks the gradient from the output.
// Concatenate uses oneDNN's concat into a plain layout, whose sub-memories give
// each input's gradient by reorder.
#include <omp.h>

#include <algorithm>

#include "nn/activation_ops.h"
#include "nn/layer_plan.h"
#include "petal/core/error.h"
#include "petal/layers/merge.h"

namespace petal {

namespace {

using namespace detail;

const float* data_of(const memory& m) { return static_cast<const float*>(m.get_data_handle()); }
float* mutable_data_of(const memory& m) { return static_cast<float*>(m.get_data_handle()); }

class ElementwisePlan final : public LayerPlan {
 public:
  ElementwisePlan(const PlanContext& ctx, MergeOp op) : ctx_(ctx), op_(op), stage_(ctx.engine) {
    dst_md_ = ctx.src_mds.at(0);
    n_ = floats_of(dst_md_);
    if (ctx.fused_activation != ActivationFn::Linear) {
      clamp_ = true;
      if (op != MergeOp::Add) throw Error("internal: a merge other than Add was given a fused activation.");
      upper_ = clamp_upper(ctx.fused_activation, "Add");
    }
  }
  void bind(const memory&, const memory&) override { throw Error("internal: a merge takes several inputs"); }
  void bind_backward(const memory&, const memory&) override { throw Error("internal: a merge takes several inputs"); }

  void bind_inputs(const std::vector<memory>& srcs, const memory& dst) override {
    for (const memory& s : srcs) srcs_.push_back(stage_.input(s, dst_md_, before_));
    dst_ = dst;
  }
  void bind_backward_inputs(const memory& diff_dst, const std::vector<memory>& diff_srcs) override {
    diff_dst_ = diff_dst;
    for (const memory& d : diff_srcs) diff_srcs_.push_back(d ? stage_.output(d, dst_md_, after_) : memory());
  }

  // dst = op(x_0, x_1, ...), elementwise.
  void forward(StepContext& step) override {
    run_all(before_, step.stream);
    step.stream.wait();
    float* y = mutable_data_of(dst_);
    const float* x0 = data_of(srcs_[0]);
    const float* x1 = data_of(srcs_[1]);
    const auto k = static_cast<int64_t>(srcs_.size());
    const int64_t n = n_;
    switch (op_) {
      case MergeOp::Add:
      case MergeOp::Average: {
        const float scale = op_ == MergeOp::Average ? 1.0f / static_cast<float>(k) : 1.0f;
        const float hi = upper_;
        if (clamp_ && k == 2) {  // one pass: y = clamp(x0 + x1, 0, hi)
#pragma omp parallel for simd schedule(static)
          for (int64_t i = 0; i < n; ++i) y[i] = clamp(x0[i] + x1[i], hi);
          break;
        }
#pragma omp parallel for simd schedule(static)
        for (int64_t i = 0; i < n; ++i) y[i] = x0[i] + x1[i];
        for (int64_t j = 2; j < k; ++j) accumulate(y, data_of(srcs_[j]), n);
        if (scale != 1.0f) {
#pragma omp parallel for simd schedule(static)
          for (int64_t i = 0; i < n; ++i) y[i] *= scale;
        }
        if (clamp_) {
#pragma omp parallel for simd schedule(static)
          for (int64_t i = 0; i < n; ++i) y[i] = clamp(y[i], hi);
        }
        break;
      }
      case MergeOp::Subtract:
#pragma omp parallel for simd schedule(static)
        for (int64_t i = 0; i < n; ++i) y[i] = x0[i] - x1[i];
        break;
      default:
        for (int64_t j = 0; j < k; ++j) fold(y, data_of(srcs_[j]), n, j == 0);
    }
  }

  void backward(StepContext& step) override {
    step.stream.wait();
    const float* dy = data_of(diff_dst_);
    if (clamp_) {
      masked_grads(dy);
    } else {
      for (size_t j = 0; j < diff_srcs_.size(); ++j) {
        if (diff_srcs_[j]) input_grad(static_cast<int64_t>(j), dy, mutable_data_of(diff_srcs_[j]));
      }
    }
    run_all(after_, step.stream);
  }

 private:
  // v clamped to [0, hi] (NaN stays NaN), in a form the loops vectorise.
  static float clamp(float v, float hi) {
    v = v < 0.0f ? 0.0f : v;
    return v > hi ? hi : v;
  }

  static void accumulate(float* y, const float* x, int64_t n) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] += x[i];
  }

  // Multiply, Maximum, Minimum: y = x (first) or y = op(y, x).
  void fold(float* y, const float* x, int64_t n, bool first) const {
    if (first) {
      std::copy(x, x + n, y);
      return;
    }
    const MergeOp op = op_;
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      y[i] = op == MergeOp::Multiply ? y[i] * x[i] : op == MergeOp::Maximum ? std::max(y[i], x[i]) : std::min(y[i], x[i]);
    }
  }

  // With a fused clamp every input's gradient is dy where the clamp passed its
  // input (0 < y < upper), else 0: written in one pass into the first two
  // inputs' gradients (a residual block's two branches), copied into any others.
  void masked_grads(const float* dy) const {
    float* a = nullptr;
    float* b = nullptr;
    for (const memory& d : diff_srcs_) {
      if (d && !a) {
        a = mutable_data_of(d);
      } else if (d && !b) {
        b = mutable_data_of(d);
      }
    }
    if (!a) return;
    if (!b) b = a;  // one input wants it: the same buffer twice
    const float* y = data_of(dst_);
    const float hi = upper_;
    const int64_t n = n_;
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const float g = dy[i];  // loaded unconditionally, so that the loop vectorises
      const float masked = ((y[i] > 0.0f) & (y[i] < hi)) ? g : 0.0f;
      a[i] = masked;
      b[i] = masked;
    }
    int wanted = 0;
    for (const memory& d : diff_srcs_) {
      if (!d || ++wanted <= 2) continue;
      float* const dx = mutable_data_of(d);
#pragma omp parallel for simd schedule(static)
      for (int64_t i = 0; i < n; ++i) dx[i] = a[i];
    }
  }

  // d loss / d x_j from d loss / d y.
  void input_grad(int64_t j, const float* dy, float* dx) const {
    const int64_t n = n_;
    const auto k = static_cast<int64_t>(srcs_.size());
    switch (op_) {
      case MergeOp::Add:
      case MergeOp::Average:
      case MergeOp::Subtract: {
        const float scale = op_ == MergeOp::Average ? 1.0f / static_cast<float>(k)
                            : op_ == MergeOp::Subtract && j == 1 ? -1.0f
                                                                 : 1.0f;
#pragma omp parallel for simd schedule(static)
        for (int64_t i = 0; i < n; ++i) dx[i] = scale * dy[i];
        return;
      }
      case MergeOp::Multiply: {
        // dx_j = dy * prod_{m != j} x_m
#pragma omp parallel for simd schedule(static)
        for (int64_t i = 0; i < n; ++i) dx[i] = dy[i];
        for (int64_t m = 0; m < k; ++m) {
          if (m == j) continue;
          const float* x = data_of(srcs_[m]);
#pragma omp parallel for simd schedule(static)
          for (int64_t i = 0; i < n; ++i) dx[i] *= x[i];
        }
        return;
      }
      default: {
        // The gradient goes to the first input that holds the extremum (y).
        const float* y = data_of(dst_);
        std::vector<const float*> xs;
        for (const memory& s : srcs_) xs.push_back(data_of(s));
        const float* const* x = xs.data();
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; ++i) {
          int64_t first = 0;
          while (first < k && x[first][i] != y[i]) ++first;
          dx[i] = first == j ? dy[i] : 0.0f;
        }
      }
    }
  }

  PlanContext ctx_;
  MergeOp op_;
  bool clamp_ = false;  // a fused relu (upper_ infinite) or relu6
  float upper_ = 0.0f;
  Staging stage_;
  int64_t n_ = 0;
  std::vector<memory> srcs_, diff_srcs_;
  memory dst_, diff_dst_;
  std::vector<Op> before_, after_;
};

// Keras's axis within the sample shape -> oneDNN's logical dimension.
int dnnl_axis(int sample_axis, size_t sample_rank) {
  if (sample_rank == 3) return sample_axis == 2 ? 1 : sample_axis + 2;  // [H, W, C] -> N C H W
  return sample_axis + 1;
}

class ConcatPlan final : public LayerPlan {
 public:
  ConcatPlan(const PlanContext& ctx, const Concatenate& layer) : ctx_(ctx) {
    const int axis = dnnl_axis(layer.sample_axis(), layer.output_shape().size());
    dst_md_ = plain_md(with_batch(ctx.batch, layer.output_shape()));
    pd_ = dnnl::concat::primitive_desc(dst_md_, axis, ctx.src_mds, ctx.engine);
    Dims offsets(dst_md_.dims().size(), 0);
    for (const memory::desc& md : ctx.src_mds) {
      views_.push_back(dst_md_.submemory_desc(md.dims(), offsets));
      offsets[axis] += md.dims()[axis];
    }
  }
  void bind(const memory&, const memory&) override { throw Error("internal: a concatenation takes several inputs"); }
  void bind_backward(const memory&, const memory&) override {
    throw Error("internal: a concatenation takes several inputs");
  }
  void bind_inputs(const std::vector<memory>& srcs, const memory& dst) override {
    std::vector<std::pair<int, memory>> args{{DNNL_ARG_DST, dst}};
    for (size_t i = 0; i < srcs.size(); ++i) args.push_back({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), srcs[i]});
    fwd_ = Op(dnnl::concat(pd_), std::move(args));
  }
  void bind_backward_inputs(const memory& diff_dst, const std::vector<memory>& diff_srcs) override {
    for (size_t i = 0; i < diff_srcs.size(); ++i) {
      if (!diff_srcs[i]) continue;
      bwd_.push_back(make_reorder(memory(views_[i], ctx_.engine, diff_dst.get_data_handle()), diff_srcs[i]));
    }
  }
  void forward(StepContext& step) override { fwd_.run(step.stream); }
  void backward(StepContext& step) override { run_all(bwd_, step.stream); }

 private:
  PlanContext ctx_;
  dnnl::concat::primitive_desc pd_;
  std::vector<memory::desc> views_;
  Op fwd_;
  std::vector<Op> bwd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> Merge::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<ElementwisePlan>(ctx, op_);
}

std::unique_ptr<detail::LayerPlan> Concatenate::make_plan(const detail::PlanContext& ctx) {
  return std::make_unique<ConcatPlan>(ctx, *this);
}

}  // namespace petal
