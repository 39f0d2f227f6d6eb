// Batch norm's training loops over channel-block runs (batch_norm_loops.h).
#include "nn/batch_norm_loops.h"

#include <cmath>

namespace petal::detail {

namespace {

// The mask's per-channel arrays from block c0's first channel, like the others.
const ChannelAffine* block_mask(const ChannelAffine* mask, int64_t c0, ChannelAffine& local) {
  if (!mask) return nullptr;
  local = *mask;
  local.scale += c0;
  local.shift += c0;
  return &local;
}

}  // namespace

BatchNormLoops::BatchNormLoops(const memory::desc& md, bool clamp, float upper, CpuLevel level)
    : walk_(md), kernels_(level) {
  const auto padded = static_cast<size_t>(walk_.blocks() * walk_.block());
  const auto channels = static_cast<size_t>(walk_.channels());
  partials_.resize(2 * static_cast<size_t>(walk_.parts()) * padded);
  sum_a_.resize(channels);
  sum_b_.resize(channels);
  for (auto* v : {&scale_, &shift_, &inv_, &k_, &c_, &slope_}) v->resize(channels);
  affine_ = {scale_.data(), shift_.data(), clamp, 0.0f, upper};
}

// Each (channel block, batch part) item sums into its own slice of partials_;
// the parts are then added in order, so the result does not depend on threads.
template <typename F>
void BatchNormLoops::batch_sums(F f, double* a, double* b) {
  const int64_t block = walk_.block(), padded = walk_.blocks() * block;
  double* pa = partials_.data();
  double* pb = pa + walk_.parts() * padded;
  walk_.for_each_part([&](int64_t cb, int64_t part, int64_t n0, int64_t n1) {
    const int64_t at = part * padded + cb * block;
    const int width = walk_.channels_in(cb);
    std::fill_n(pa + at, width, 0.0);
    std::fill_n(pb + at, width, 0.0);
    walk_.runs(cb, n0, n1, [&](const RowRun& run) { f(run, width, cb * block, pa + at, pb + at); });
  });
  for (int64_t c = 0; c < walk_.channels(); ++c) {
    double sa = 0, sb = 0;
    for (int64_t p = 0; p < walk_.parts(); ++p) sa += pa[p * padded + c], sb += pb[p * padded + c];
    a[c] = sa;
    b[c] = sb;
  }
}

const std::vector<float>& BatchNormLoops::inverse_std(const float* variance, float epsilon) {
  for (size_t c = 0; c < inv_.size(); ++c) {
    inv_[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[c]) + epsilon));
  }
  return inv_;
}

void BatchNormLoops::statistics(const float* x, float* mean, float* variance) {
  batch_sums([&](const RowRun& run, int width, int64_t, double* s, double* q) { kernels_.sum_squares(x, run, width, s, q); },
             sum_a_.data(), sum_b_.data());
  statistics_from(sum_a_.data(), sum_b_.data(), mean, variance);
}

void BatchNormLoops::statistics_from(const double* sum, const double* sum_sq, float* mean, float* variance) const {
  const auto count = static_cast<double>(walk_.positions());
  for (int64_t c = 0; c < walk_.channels(); ++c) {
    const double m = sum[c] / count;
    mean[c] = static_cast<float>(m);
    variance[c] = static_cast<float>(std::max(0.0, sum_sq[c] / count - m * m));
  }
}

const ChannelAffine& BatchNormLoops::set_affine(const float* mean, const float* variance, float epsilon,
                                               const float* gamma, const float* beta) {
  const std::vector<float>& inv = inverse_std(variance, epsilon);
  for (size_t c = 0; c < inv.size(); ++c) {
    scale_[c] = (gamma ? gamma[c] : 1.0f) * inv[c];
    shift_[c] = (beta ? beta[c] : 0.0f) - mean[c] * scale_[c];
  }
  return affine_;
}

void BatchNormLoops::normalize(const float* x, float* y, const float* mean, const float* variance, float epsilon,
                               const float* gamma, const float* beta) {
  set_affine(mean, variance, epsilon, gamma, beta);
  const int64_t block = walk_.block();
  walk_.for_each_part([&](int64_t cb, int64_t, int64_t n0, int64_t n1) {
    ChannelAffine a = affine_;
    a.scale += cb * block;
    a.shift += cb * block;
    walk_.runs(cb, n0, n1, [&](const RowRun& run) { kernels_.affine_rows(x, y, run, walk_.channels_in(cb), a); });
    walk_.zero_padding(y, cb, n0, n1);
  });
}

void BatchNormLoops::backward(const BatchNormBackwardArgs& args) {
  const std::vector<float>& inv = inverse_std(args.variance, args.epsilon);
  const ChannelAffine* mask = affine_.clamp ? &affine_ : nullptr;
  batch_sums(
      [&](const RowRun& run, int width, int64_t c0, double* db, double* dg) {
        ChannelAffine local;
        kernels_.sum_gradients(args.x, args.dy, run, width, {args.mean + c0, inv.data() + c0, block_mask(mask, c0, local)}, db, dg);
      },
      sum_a_.data(), sum_b_.data());
  apply_sums(args, sum_a_.data(), sum_b_.data(), false);
}

void BatchNormLoops::backward_with_sums(const BatchNormBackwardArgs& args, const double* db, const double* dg) {
  inverse_std(args.variance, args.epsilon);
  apply_sums(args, db, dg, true);
}

void BatchNormLoops::apply_sums(const BatchNormBackwardArgs& args, const double* db, const double* dg, bool dy_masked) {
  const std::vector<float>& inv = inv_;
  const ChannelAffine* mask = affine_.clamp && !dy_masked ? &affine_ : nullptr;
  const auto count = static_cast<double>(walk_.positions());
  for (size_t c = 0; c < inv.size(); ++c) {
    const double k = (args.gamma ? args.gamma[c] : 1.0) * inv[c];
    k_[c] = static_cast<float>(k);                                   // * g
    c_[c] = static_cast<float>(-k * db[c] / count);              // constant term
    slope_[c] = static_cast<float>(-k * dg[c] / count * inv[c]);  // * (x - mean)
    if (args.dgamma) args.dgamma[c] = static_cast<float>((args.accumulate ? args.dgamma[c] : 0.0) + dg[c]);
    if (args.dbeta) args.dbeta[c] = static_cast<float>((args.accumulate ? args.dbeta[c] : 0.0) + db[c]);
  }
  if (!args.dx) return;
  const int64_t block = walk_.block();
  walk_.for_each_part([&](int64_t cb, int64_t, int64_t n0, int64_t n1) {
    const int64_t c0 = cb * block;
    ChannelAffine local;
    const InputGradArgs a{k_.data() + c0, c_.data() + c0, slope_.data() + c0, args.mean + c0, block_mask(mask, c0, local)};
    walk_.runs(cb, n0, n1, [&](const RowRun& run) { kernels_.input_gradient_rows(args.x, args.dy, args.dx, run, walk_.channels_in(cb), a); });
    walk_.zero_padding(args.dx, cb, n0, n1);
  });
}

void update_moving_statistics(float* moving_mean, float* moving_variance, const float* mean, const float* variance,
                              int64_t channels, double momentum, int64_t count) {
  const double unbias = count > 1 ? static_cast<double>(count) / static_cast<double>(count - 1) : 1.0;
  for (int64_t c = 0; c < channels; ++c) {
    moving_mean[c] = static_cast<float>(momentum * moving_mean[c] + (1 - momentum) * mean[c]);
    moving_variance[c] = static_cast<float>(momentum * moving_variance[c] + (1 - momentum) * variance[c] * unbias);
  }
}

}  // namespace petal::detail
