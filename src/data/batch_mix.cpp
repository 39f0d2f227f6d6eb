// Mixup and CutMix: Beta draws, the in-place mix of one batch, and the
// Sequence/Generator wrappers that seed each batch's draws.
#include "petal/data/batch_mix.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "petal/core/error.h"

namespace petal {

namespace {

// Gamma(a, 1): Marsaglia and Tsang for a >= 1; a < 1 boosted by U^(1/a).
double gamma_sample(Rng& rng, double a) {
  if (a < 1.0) {
    const double u = rng.uniform();
    return gamma_sample(rng, a + 1.0) * std::pow(u, 1.0 / a);
  }
  const double d = a - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

// row_a = w * row_a + (1 - w) * row_b over `n` floats of two copies.
void blend_rows(float* dst, const float* a, const float* b, int64_t n, double w) {
  const auto wa = static_cast<float>(w), wb = static_cast<float>(1.0 - w);
  for (int64_t i = 0; i < n; ++i) dst[i] = wa * a[i] + wb * b[i];
}

void check_targets(const Tensor& bx, const Tensor& by) {
  if (by.rank() < 2) {
    throw DataError("mixup/cutmix: expected dense targets [N, K] (one-hot) to mix; received " + to_string(by.shape()) +
                    ".\nHint: one-hot encode class indices (categorical_crossentropy) before mixing.");
  }
  if (bx.rank() < 2 || bx.dim(0) != by.dim(0)) {
    throw ShapeError("mixup/cutmix: expected x [N, ...] and y [N, K] with the same N; received " +
                     to_string(bx.shape()) + " and " + to_string(by.shape()) + ".");
  }
}

void mixup(Tensor& bx, Tensor& by, const std::vector<int64_t>& perm, double lam) {
  const Tensor x = bx, y = by;
  const int64_t n = x.dim(0), xr = x.row_size(), yr = y.row_size();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = perm[static_cast<size_t>(i)];
    blend_rows(bx.data() + i * xr, x.data() + i * xr, x.data() + j * xr, xr, lam);
    blend_rows(by.data() + i * yr, y.data() + i * yr, y.data() + j * yr, yr, lam);
  }
}

void cutmix(Tensor& bx, Tensor& by, const std::vector<int64_t>& perm, double lam, Rng& rng) {
  if (bx.rank() != 4) {
    throw ShapeError("cutmix: expected images [N, H, W, C]; received " + to_string(bx.shape()) + ".");
  }
  const int64_t h = bx.dim(1), w = bx.dim(2), c = bx.dim(3);
  // The CutMix paper's rand_bbox: a box of about sqrt(1 - lam) of each side,
  // centred uniformly, clipped to the image.
  const double cut = std::sqrt(1.0 - lam);
  const auto cut_h = static_cast<int64_t>(static_cast<double>(h) * cut);
  const auto cut_w = static_cast<int64_t>(static_cast<double>(w) * cut);
  const auto cy = static_cast<int64_t>(rng.below(static_cast<uint64_t>(h)));
  const auto cx = static_cast<int64_t>(rng.below(static_cast<uint64_t>(w)));
  const int64_t y0 = std::clamp<int64_t>(cy - cut_h / 2, 0, h), y1 = std::clamp<int64_t>(cy + cut_h / 2, 0, h);
  const int64_t x0 = std::clamp<int64_t>(cx - cut_w / 2, 0, w), x1 = std::clamp<int64_t>(cx + cut_w / 2, 0, w);
  const double area = static_cast<double>((y1 - y0) * (x1 - x0)) / static_cast<double>(h * w);
  const Tensor x = bx, y = by;
  const int64_t n = x.dim(0), xr = x.row_size(), yr = y.row_size();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = perm[static_cast<size_t>(i)];
    for (int64_t r = y0; r < y1; ++r) {
      const int64_t at = (r * w + x0) * c;
      std::copy_n(x.data() + j * xr + at, (x1 - x0) * c, bx.data() + i * xr + at);
    }
    blend_rows(by.data() + i * yr, y.data() + i * yr, y.data() + j * yr, yr, 1.0 - area);
  }
}

}  // namespace

double beta_sample(Rng& rng, double a, double b) {
  if (!(a > 0) || !(b > 0) || !std::isfinite(a) || !std::isfinite(b)) {
    throw ConfigError("beta_sample: expected a, b > 0; received " + std::to_string(a) + ", " + std::to_string(b) + ".");
  }
  const double x = gamma_sample(rng, a), y = gamma_sample(rng, b);
  if (x + y <= 0.0) return rng.uniform() < a / (a + b) ? 1.0 : 0.0;  // both underflowed (tiny alphas)
  return x / (x + y);
}

void validate(const BatchMixOptions& o) {
  auto alpha = [](const char* name, double v) {
    if (!std::isfinite(v) || v < 0) {
      throw ConfigError(std::string("BatchMixOptions: expected ") + name + " >= 0 (0: off); received " +
                        std::to_string(v) + ".");
    }
  };
  alpha("mixup_alpha", o.mixup_alpha);
  alpha("cutmix_alpha", o.cutmix_alpha);
  for (const auto& [name, v] : {std::pair{"switch_prob", o.switch_prob}, std::pair{"prob", o.prob}}) {
    if (!(v >= 0.0 && v <= 1.0)) {
      throw ConfigError(std::string("BatchMixOptions: expected ") + name + " in [0, 1]; received " +
                        std::to_string(v) + ".");
    }
  }
  if (o.mixup_alpha == 0 && o.cutmix_alpha == 0) {
    throw ConfigError("BatchMixOptions: mixup_alpha and cutmix_alpha are both 0; expected at least one > 0.");
  }
}

void mix_batch(Batch& b, const BatchMixOptions& o, Rng& rng) {
  Tensor& bx = b.x.only("mixup/cutmix: a single input array");
  Tensor& by = b.y.only("mixup/cutmix: a single target array");
  check_targets(bx, by);
  if (o.prob < 1.0 && !(rng.uniform() < o.prob)) return;
  const bool use_cutmix =
      o.cutmix_alpha > 0 && (o.mixup_alpha == 0 || rng.uniform() < o.switch_prob);
  const double alpha = use_cutmix ? o.cutmix_alpha : o.mixup_alpha;
  if (alpha == 0) return;
  const double lam = beta_sample(rng, alpha, alpha);
  const std::vector<int64_t> perm = rng.permutation(bx.dim(0));
  if (use_cutmix) {
    cutmix(bx, by, perm, lam, rng);
  } else {
    mixup(bx, by, perm, lam);
  }
}

MixSequence::MixSequence(Sequence& inner, BatchMixOptions options) : inner_(inner), options_(options) {
  validate(options_);
}

Batch MixSequence::get(int64_t index) {
  Batch b = inner_.get(index);
  Rng rng = Rng(options_.seed).fork(static_cast<uint64_t>(epoch_.load())).fork(static_cast<uint64_t>(index));
  mix_batch(b, options_, rng);
  return b;
}

void MixSequence::on_epoch_end() {
  inner_.on_epoch_end();
  epoch_.fetch_add(1);
}

void MixSequence::set_epoch(int64_t epoch) {
  inner_.set_epoch(epoch);
  epoch_.store(epoch);
}

MixGenerator::MixGenerator(Generator& inner, BatchMixOptions options) : inner_(inner), options_(options) {
  validate(options_);
}

bool MixGenerator::seek(int64_t batches) {
  if (!inner_.seek(batches)) return false;
  taken_ = static_cast<uint64_t>(batches);
  return true;
}

Batch MixGenerator::next() {
  Batch b = inner_.next();
  Rng rng = Rng(options_.seed).fork(taken_++);
  mix_batch(b, options_, rng);
  return b;
}

}  // namespace petal
