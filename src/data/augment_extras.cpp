// Random resized crop, colour jitter and random erasing for ImageDataGenerator,
// with torchvision's draws (whole-pixel boxes, 10 tries) from petal's Rng.
#include "data/augment_extras.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

[[noreturn]] void bad(const std::string& what) { throw ConfigError("ImageDataGenerator: " + what); }

std::string pair_text(std::span<const double> v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "}";
}

void check_pair(const char* name, std::span<const double> v, double lo_min, double hi_max, bool positive) {
  const bool ok = v.size() == 2 && std::isfinite(v[0]) && std::isfinite(v[1]) && v[0] <= v[1] &&
                  (positive ? v[0] > lo_min : v[0] >= lo_min) && v[1] <= hi_max;
  if (!ok) {
    bad(std::string(name) + " must be {low, high} with " + (positive ? "0 < " : "0 <= ") + "low <= high" +
        (std::isfinite(hi_max) ? " <= " + std::to_string(hi_max) : "") + "; received " + pair_text(v) + ".");
  }
}

void check_jitter(const char* name, double v) {
  if (!std::isfinite(v) || v < 0) {
    bad(std::string(name) + " must be a finite value >= 0; received " + std::to_string(v) + ".");
  }
}

int64_t round_int(double v) { return static_cast<int64_t>(std::nearbyint(v)); }  // Python's round (half to even)

double jitter_factor(double j, Rng& rng) { return rng.uniform(std::max(0.0, 1.0 - j), 1.0 + j); }

}  // namespace

void validate_extra_options(const ImageDataGeneratorOptions& o) {
  constexpr double kInf = INFINITY;
  if (!o.random_resized_crop_scale.empty()) {
    check_pair("random_resized_crop_scale", o.random_resized_crop_scale, 0.0, 1.0, true);
    check_pair("random_resized_crop_ratio", o.random_resized_crop_ratio, 0.0, kInf, true);
  }
  check_jitter("brightness_jitter", o.brightness_jitter);
  check_jitter("contrast_jitter", o.contrast_jitter);
  check_jitter("saturation_jitter", o.saturation_jitter);
  if (!std::isfinite(o.pixel_max) || o.pixel_max <= 0) {
    bad("pixel_max must be > 0; received " + std::to_string(o.pixel_max) + ".");
  }
  if (!(o.random_erasing >= 0.0 && o.random_erasing <= 1.0)) {
    bad("random_erasing (a probability) must be in [0, 1]; received " + std::to_string(o.random_erasing) + ".");
  }
  if (o.random_erasing > 0) {
    check_pair("random_erasing_scale", o.random_erasing_scale, 0.0, 1.0, true);
    check_pair("random_erasing_ratio", o.random_erasing_ratio, 0.0, kInf, true);
    if (o.random_erasing_value && !std::isfinite(*o.random_erasing_value)) bad("random_erasing_value must be finite.");
  }
}

PixelBox random_resized_crop_box(int64_t h, int64_t w, std::span<const double> scale, std::span<const double> ratio,
                                 Rng& rng) {
  const double area = static_cast<double>(h * w);
  const double log_lo = std::log(ratio[0]), log_hi = std::log(ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(scale[0], scale[1]);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const int64_t cw = round_int(std::sqrt(target * aspect)), ch = round_int(std::sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      const auto top = static_cast<int64_t>(rng.below(static_cast<uint64_t>(h - ch + 1)));
      const auto left = static_cast<int64_t>(rng.below(static_cast<uint64_t>(w - cw + 1)));
      return {top, left, ch, cw};
    }
  }
  // torchvision's fallback: the central crop closest to the ratio range.
  const double in_ratio = static_cast<double>(w) / static_cast<double>(h);
  int64_t cw = w, ch = h;
  if (in_ratio < ratio[0]) {
    ch = std::clamp<int64_t>(round_int(static_cast<double>(w) / ratio[0]), 1, h);
  } else if (in_ratio > ratio[1]) {
    cw = std::clamp<int64_t>(round_int(static_cast<double>(h) * ratio[1]), 1, w);
  }
  return {(h - ch) / 2, (w - cw) / 2, ch, cw};
}

std::optional<PixelBox> random_erasing_box(int64_t h, int64_t w, std::span<const double> scale,
                                           std::span<const double> ratio, Rng& rng) {
  const double area = static_cast<double>(h * w);
  const double log_lo = std::log(ratio[0]), log_hi = std::log(ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(scale[0], scale[1]);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const int64_t eh = round_int(std::sqrt(target * aspect)), ew = round_int(std::sqrt(target / aspect));
    if (!(eh < h && ew < w) || eh < 1 || ew < 1) continue;
    const auto top = static_cast<int64_t>(rng.below(static_cast<uint64_t>(h - eh + 1)));
    const auto left = static_cast<int64_t>(rng.below(static_cast<uint64_t>(w - ew + 1)));
    return PixelBox{top, left, eh, ew};
  }
  return std::nullopt;
}

void draw_extra_transform(const ImageDataGeneratorOptions& o, int64_t h, int64_t w, Rng& rng, TransformParams& p) {
  if (!o.random_resized_crop_scale.empty()) {
    p.crop = random_resized_crop_box(h, w, o.random_resized_crop_scale, o.random_resized_crop_ratio, rng);
  }
  if (o.brightness_jitter != 0) p.brightness_factor = jitter_factor(o.brightness_jitter, rng);
  if (o.contrast_jitter != 0) p.contrast_factor = jitter_factor(o.contrast_jitter, rng);
  if (o.saturation_jitter != 0) p.saturation_factor = jitter_factor(o.saturation_jitter, rng);
  if (o.random_erasing > 0 && rng.uniform() < o.random_erasing) {
    p.erase = random_erasing_box(h, w, o.random_erasing_scale, o.random_erasing_ratio, rng);
    if (p.erase) p.erase_seed = rng.next_u64();
  }
}

AffineMap crop_map(const PixelBox& box, int64_t h, int64_t w, const std::optional<AffineMap>& inner) {
  // Output row r of the resized crop samples row top + r * (height - 1) / (h - 1).
  const double sy = h > 1 ? static_cast<double>(box.height - 1) / static_cast<double>(h - 1) : 0.0;
  const double sx = w > 1 ? static_cast<double>(box.width - 1) / static_cast<double>(w - 1) : 0.0;
  const double oy = static_cast<double>(box.top) + (h > 1 ? 0.0 : 0.5 * static_cast<double>(box.height - 1));
  const double ox = static_cast<double>(box.left) + (w > 1 ? 0.0 : 0.5 * static_cast<double>(box.width - 1));
  const AffineMap c{{{sy, 0.0, oy}, {0.0, sx, ox}}};
  if (!inner) return c;
  const auto& m = inner->m;
  AffineMap out;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) out.m[i][j] = c.m[i][0] * m[0][j] + c.m[i][1] * m[1][j];
    out.m[i][2] += c.m[i][2];
  }
  return out;
}

void color_jitter(std::span<float> image, int64_t channels, const TransformParams& p, double pixel_max) {
  const auto hi = static_cast<float>(pixel_max);
  auto clip = [hi](float v) { return std::clamp(v, 0.0f, hi); };
  auto grey = [channels](const float* px) {
    if (channels == 3) return 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2];
    float s = 0;
    for (int64_t k = 0; k < channels; ++k) s += px[k];
    return s / static_cast<float>(channels);
  };
  const int64_t pixels = static_cast<int64_t>(image.size()) / channels;
  if (p.brightness_factor) {
    const auto f = static_cast<float>(*p.brightness_factor);
    for (float& v : image) v = clip(f * v);
  }
  if (p.contrast_factor) {
    double mean = 0;
    for (int64_t i = 0; i < pixels; ++i) mean += grey(image.data() + i * channels);
    const auto f = static_cast<float>(*p.contrast_factor);
    const auto offset = static_cast<float>((1.0 - *p.contrast_factor) * mean / static_cast<double>(pixels));
    for (float& v : image) v = clip(f * v + offset);
  }
  if (p.saturation_factor) {
    const auto f = static_cast<float>(*p.saturation_factor);
    for (int64_t i = 0; i < pixels; ++i) {
      float* px = image.data() + i * channels;
      const float g = (1.0f - f) * grey(px);
      for (int64_t k = 0; k < channels; ++k) px[k] = clip(f * px[k] + g);
    }
  }
}

void erase_box(std::span<float> image, int64_t w, int64_t channels, const TransformParams& p,
               std::optional<double> value, double pixel_max) {
  if (!p.erase) return;
  const PixelBox& b = *p.erase;
  uint64_t counter = 0;
  for (int64_t r = b.top; r < b.top + b.height; ++r) {
    float* row = image.data() + (r * w + b.left) * channels;
    for (int64_t i = 0; i < b.width * channels; ++i) {
      if (value) {
        row[i] = static_cast<float>(*value);
      } else {
        const double u = static_cast<double>(hash64(p.erase_seed, counter++) >> 11) * 0x1.0p-53;
        row[i] = static_cast<float>(u * pixel_max);
      }
    }
  }
}

}  // namespace petal::detail
