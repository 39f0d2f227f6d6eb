// A layer parameter as a oneDNN primitive sees it: the Keras-layout tensors
// (value, grad) plus, when the primitive prefers another layout, reorders.
#pragma once

#include <vector>

#include "nn/layer_plan.h"
#include "petal/layers/layer.h"

namespace petal::detail {

class ParamView {
 public:
  ParamView() = default;
  // keras_md describes the Keras layout (e.g. hwio for a kernel). With
  // adopt_layout, the first primitive that prefers another layout gets the
  // parameter converted to it for good (Param::layout) instead of a reorder per
  // step, provided this is the first view of the parameter (Param::layout_fixed).
  ParamView(Param& param, const memory::desc& keras_md, const dnnl::engine& engine, bool adopt_layout = false);
  // The parameter viewed (null for a default-constructed view).
  const Param* param() const { return param_; }
  // The layout value and grad are stored in now.
  const memory::desc& storage_md() const { return user_md_; }

  // The memory a forward primitive reads, in layout `want` (call once at bind time).
  memory value_for(const memory::desc& want);
  // The value times a factor per output channel, in layout `want`, made by the
  // reorder of every prepare_value(): `scales` holds one float per output channel,
  // `mask` marks the dims that index them (oneDNN's output-scales mask).
  memory scaled_value_for(const memory::desc& want, const memory& scales, int mask);
  // The memory a backward primitive writes the gradient to, in layout `want`.
  memory grad_for(const memory::desc& want);

  // Inference plans: prepare_value() skips its reorders while the value (and the
  // scales of scaled_value_for) are bit for bit those of its last run, so that a
  // predict loop does not re-pack unchanged weights (Winograd's packing costs more
  // than its convolution). Costs a copy of the value; call before value_for.
  void reuse_unchanged() { reuse_ = true; }

  // Per step, before the forward primitive: point at the current tensors, reorder.
  void prepare_value(const dnnl::stream& s);
  // Per step, before the backward primitive: choose the gradient target.
  void prepare_grad(bool accumulate);
  // Per step, after the backward primitive: move or add the gradient into param.grad.
  void commit_grad(dnnl::stream& s, bool accumulate);

 private:
  void adopt(const memory::desc& want);
  // With reuse_: whether value and scales equal the last run's (if not, remembers them).
  bool unchanged();

  Param* param_ = nullptr;
  dnnl::engine engine_;
  memory::desc keras_md_, user_md_;
  bool adopt_ = false;
  memory user_value_, user_grad_;
  Buffer value_buf_;  // value in the primitive's layout, when it differs
  Op value_reorder_;
  Buffer scaled_buf_;  // a layout no reorder from the storage makes: the value
  Op then_reorder_;    // (scaled) in Keras's layout first, then reordered
  memory scales_;      // scaled_value_for's scales
  bool reuse_ = false, primed_ = false;
  std::vector<float> last_value_, last_scales_;  // with reuse_: inputs of the last reorder
  Buffer grad_buf_;   // gradient in the primitive's layout (or staging for accumulation)
  memory grad_mem_;   // what the backward primitive writes to
  bool grad_same_layout_ = false;
  Op grad_move_, grad_add_;
};

}  // namespace petal::detail
