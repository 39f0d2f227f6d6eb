// ZeroPadding2D and Cropping2D on oneDNN reorders: the small image is copied into
// (or out of) a window of the large one, through a sub-memory in whatever layout
// the previous layer produced; the large one's borders are zeroed by reorders
// from a zero buffer. No loops: oneDNN handles blocked layouts.
#include "nn/layer_plan.h"
#include "petal/layers/padding2d.h"

namespace petal {

namespace {

using namespace detail;

// `like`'s format for other dims, when it is one of the layouts oneDNN's
// convolutions and pooling produce; plain NHWC otherwise.
memory::desc same_format(const memory::desc& like, const Dims& dims) {
  for (Tag tag : {Tag::nhwc, Tag::nchw, Tag::nChw16c, Tag::nChw8c, Tag::nChw4c}) {
    if (memory::desc(like.dims(), memory::data_type::f32, tag) == like) {
      return memory::desc(dims, memory::data_type::f32, tag);
    }
  }
  return memory::desc(dims, memory::data_type::f32, Tag::nhwc);
}

// Copies between a small [N, Hs, Ws, C] image and the window at (top, left) of a
// large [N, Hb, Wb, C] one. Embedding (padding forward, cropping backward) also
// zeroes the large image's borders, every step: the buffer may be shared.
class WindowPlan final : public LayerPlan {
 public:
  WindowPlan(const PlanContext& ctx, bool pad, const Shape& small, const Shape& big, int64_t top, int64_t left)
      : ctx_(ctx), pad_(pad), small_(dnnl_dims(with_batch(ctx.batch, small))),
        big_(dnnl_dims(with_batch(ctx.batch, big))), offsets_{0, 0, top, left} {
    dst_md_ = same_format(ctx.src_md, pad ? big_ : small_);
    int64_t most = 0;
    for (const Band& b : bands()) most = std::max(most, b.dims[0] * b.dims[1] * b.dims[2] * b.dims[3]);
    if (most > 0) zeros_ = Buffer(memory::desc({most}, memory::data_type::f32, Tag::x), ctx.engine);
  }

  void bind(const memory& src, const memory& dst) override {
    if (pad_) {
      embed(src, dst, fwd_);
    } else {
      src_ = src;
      src_window_ = window_of(src);
      fwd_.push_back(make_reorder(src_window_, dst));
    }
  }

  void bind_backward(const memory& diff_dst, const memory& diff_src) override {
    if (!ctx_.need_diff_src) return;
    if (pad_) {
      bwd_.push_back(make_reorder(window_of(diff_dst), diff_src));
    } else {
      embed(diff_dst, diff_src, bwd_);
    }
  }

  void forward(StepContext& step) override {
    // The model input's buffer changes every step: follow it.
    if (src_window_ && src_window_.get_data_handle() != src_.get_data_handle()) {
      src_window_.set_data_handle(src_.get_data_handle());
    }
    run_all(fwd_, step.stream);
  }
  void backward(StepContext& step) override { run_all(bwd_, step.stream); }

 private:
  struct Band {
    Dims dims, offsets;
  };

  // The parts of the large image outside the window (empty ones left out).
  std::vector<Band> bands() const {
    const int64_t n = big_[0], c = big_[1], hb = big_[2], wb = big_[3], hs = small_[2], ws = small_[3];
    const int64_t top = offsets_[2], left = offsets_[3];
    std::vector<Band> all{{{n, c, top, wb}, {0, 0, 0, 0}},
                          {{n, c, hb - top - hs, wb}, {0, 0, top + hs, 0}},
                          {{n, c, hs, left}, {0, 0, top, 0}},
                          {{n, c, hs, wb - left - ws}, {0, 0, top, left + ws}}};
    std::vector<Band> out;
    for (const Band& b : all) {
      if (b.dims[2] > 0 && b.dims[3] > 0) out.push_back(b);
    }
    return out;
  }

  memory window_of(const memory& large) const {
    return memory(large.get_desc().submemory_desc(small_, offsets_), ctx_.engine, large.get_data_handle());
  }

  // ops: zero the borders of `large`, copy `small` into its window.
  void embed(const memory& small, const memory& large, std::vector<Op>& ops) const {
    for (const Band& b : bands()) {
      const memory zero(memory::desc(b.dims, memory::data_type::f32, Tag::nchw), ctx_.engine, zeros_.data());
      const memory band(large.get_desc().submemory_desc(b.dims, b.offsets), ctx_.engine, large.get_data_handle());
      ops.push_back(make_reorder(zero, band));
    }
    ops.push_back(make_reorder(small, window_of(large)));
  }

  PlanContext ctx_;
  bool pad_;
  Dims small_, big_, offsets_;  // oneDNN order: N, C, H, W
  Buffer zeros_;                // never written: the source of the border reorders
  memory src_, src_window_;
  std::vector<Op> fwd_, bwd_;
};

}  // namespace

std::unique_ptr<detail::LayerPlan> ZeroPadding2D::make_plan(const detail::PlanContext& ctx) {
  const Sides2D& p = options().padding;
  if (p == Sides2D{0}) return std::make_unique<IdentityPlan>(ctx.src_md);
  return std::make_unique<WindowPlan>(ctx, true, input_shape(), output_shape(), p.top, p.left);
}

std::unique_ptr<detail::LayerPlan> Cropping2D::make_plan(const detail::PlanContext& ctx) {
  const Sides2D& c = options().cropping;
  if (c == Sides2D{0}) return std::make_unique<IdentityPlan>(ctx.src_md);
  return std::make_unique<WindowPlan>(ctx, false, output_shape(), input_shape(), c.top, c.left);
}

}  // namespace petal
