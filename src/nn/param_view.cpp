// Parameter layouts and the add-into gradient rule.
#include "nn/param_view.h"

#include <cstring>
#include <span>

#include "nn/param_layout.h"
#include "petal/core/error.h"

namespace petal::detail {

ParamView::ParamView(Param& param, const memory::desc& keras_md, const dnnl::engine& engine, bool adopt_layout)
    : param_(&param), engine_(engine), keras_md_(keras_md),
      user_md_(param.layout ? param.layout->storage_md() : keras_md), adopt_(adopt_layout && !param.layout_fixed) {
  param.layout_fixed = true;
  if (floats_of(user_md_) != param.value.size()) {
    throw Error("internal: parameter '" + param.name + "' has " + std::to_string(param.value.size()) +
                " values but its descriptor needs " + std::to_string(floats_of(user_md_)));
  }
  user_value_ = memory(user_md_, engine, param.value.data());
  if (param.trainable) user_grad_ = memory(user_md_, engine, param.grad.data());
}

void ParamView::adopt(const memory::desc& want) {
  auto layout = std::make_shared<ParamLayout>(keras_md_, want, engine_);
  param_->value = layout->to_storage(param_->value);
  if (param_->trainable) param_->grad = Tensor({floats_of(want)});
  param_->layout = std::move(layout);
  user_md_ = want;
  user_value_ = memory(user_md_, engine_, param_->value.data());
  if (param_->trainable) user_grad_ = memory(user_md_, engine_, param_->grad.data());
}

memory ParamView::value_for(const memory::desc& want) {
  if (want != user_md_ && adopt_ && !param_->layout) adopt(want);
  if (want == user_md_) return user_value_;
  if (value_buf_ && value_buf_.mem().get_desc() == want) return value_buf_.mem();
  value_buf_ = Buffer(want, engine_);
  then_reorder_ = Op();
  try {
    value_reorder_ = make_reorder(user_value_, value_buf_.mem());
  } catch (const dnnl::error&) {
    // No reorder from a blocked storage into this layout (Winograd's opaque
    // one takes plain layouts only): through Keras's layout.
    if (user_md_ == keras_md_) throw;
    scaled_buf_ = Buffer(keras_md_, engine_);
    value_reorder_ = make_reorder(user_value_, scaled_buf_.mem());
    then_reorder_ = make_reorder(scaled_buf_.mem(), value_buf_.mem());
  }
  return value_buf_.mem();
}

memory ParamView::scaled_value_for(const memory::desc& want, const memory& scales, int mask) {
  dnnl::primitive_attr attr;
  attr.set_output_scales(mask, {DNNL_RUNTIME_F32_VAL});
  const auto scaled_reorder = [&](const memory& to) {
    const dnnl::reorder::primitive_desc pd(engine_, user_md_, engine_, to.get_desc(), attr);
    return Op(dnnl::reorder(pd),
              {{DNNL_ARG_FROM, user_value_}, {DNNL_ARG_TO, to}, {DNNL_ARG_ATTR_OUTPUT_SCALES, scales}});
  };
  value_buf_ = Buffer(want, engine_);
  scales_ = scales;
  try {
    value_reorder_ = scaled_reorder(value_buf_.mem());
  } catch (const dnnl::error&) {
    // No scaling reorder into this layout (Winograd's opaque one): scale into
    // Keras's layout first (plain: every layout has a reorder from it), then reorder.
    scaled_buf_ = Buffer(keras_md_, engine_);
    value_reorder_ = scaled_reorder(scaled_buf_.mem());
    then_reorder_ = make_reorder(scaled_buf_.mem(), value_buf_.mem());
  }
  return value_buf_.mem();
}

memory ParamView::grad_for(const memory::desc& want) {
  grad_same_layout_ = want == user_md_;
  if (grad_same_layout_) {
    grad_mem_ = memory(want, engine_, param_->grad.data());
    return grad_mem_;
  }
  grad_buf_ = Buffer(want, engine_);
  grad_mem_ = grad_buf_.mem();
  grad_move_ = make_reorder(grad_mem_, user_grad_, false);
  grad_add_ = make_reorder(grad_mem_, user_grad_, true);
  return grad_mem_;
}

bool ParamView::unchanged() {
  const auto floats = [](const memory& m) {
    return std::span<const float>(static_cast<const float*>(m.get_data_handle()), floats_of(m.get_desc()));
  };
  const std::span<const float> value = floats(user_value_);
  const std::span<const float> scales = scales_ ? floats(scales_) : std::span<const float>();
  const auto same = [](std::span<const float> now, const std::vector<float>& last) {
    return now.size() == last.size() && (now.empty() || std::memcmp(now.data(), last.data(), now.size_bytes()) == 0);
  };
  if (primed_ && same(value, last_value_) && same(scales, last_scales_)) return true;
  last_value_.assign(value.begin(), value.end());  // capacity kept: no allocation once warm
  last_scales_.assign(scales.begin(), scales.end());
  primed_ = true;
  return false;
}

void ParamView::prepare_value(const dnnl::stream& s) {
  user_value_.set_data_handle(param_->value.data());
  if (!value_reorder_ || (reuse_ && unchanged())) return;
  value_reorder_.run(s);
  if (then_reorder_) then_reorder_.run(s);
}

void ParamView::prepare_grad(bool accumulate) {
  user_grad_.set_data_handle(param_->grad.data());
  if (!grad_same_layout_) return;
  if (accumulate) {
    if (!grad_buf_) grad_buf_ = Buffer(user_md_, engine_);
    grad_mem_.set_data_handle(grad_buf_.data());
  } else {
    grad_mem_.set_data_handle(param_->grad.data());
  }
}

void ParamView::commit_grad(dnnl::stream& s, bool accumulate) {
  if (!grad_same_layout_) {
    (accumulate ? grad_add_ : grad_move_).run(s);
    return;
  }
  if (!accumulate) return;
  s.wait();
  float* g = param_->grad.data();
  const float* d = grad_buf_.data();
  const int64_t n = param_->grad.size();
  for (int64_t i = 0; i < n; ++i) g[i] += d[i];
}

}  // namespace petal::detail
