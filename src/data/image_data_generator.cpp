// ImageDataGenerator: option checks, random parameters, apply_transform and
// standardize/fit. flow() and the iterator live in numpy_array_iterator.cpp.
#include "petal/data/image_data_generator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <string>

#include "data/augment_extras.h"
#include "data/augment_ops.h"
#include "petal/core/error.h"

namespace petal {

namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

[[noreturn]] void bad_option(const std::string& what) {
  throw ConfigError("ImageDataGenerator: " + what);
}

void check_range(const char* name, double v) {
  if (!std::isfinite(v) || v < 0)
    bad_option(std::string(name) + " must be a finite value >= 0; received " + num(v) + ".");
}

void check_shift(const char* name, const ShiftRange& s) {
  if (s.choices.empty()) return check_range(name, s.range);
  for (double v : s.choices)
    if (!std::isfinite(v))
      bad_option(std::string(name) + " choices must be finite; received " + num(v) + ".");
}

void validate(const ImageDataGeneratorOptions& o) {
  if (o.zca_whitening)
    bad_option("zca_whitening=true is not supported. Hint: use featurewise_center and "
               "featurewise_std_normalization, or whiten the data before flow().");
  check_range("rotation_range", o.rotation_range);
  check_range("shear_range", o.shear_range);
  check_range("channel_shift_range", o.channel_shift_range);
  check_shift("width_shift_range", o.width_shift_range);
  check_shift("height_shift_range", o.height_shift_range);
  const ZoomRange& z = o.zoom_range;
  if (!std::isfinite(z.lower) || !std::isfinite(z.upper) || z.lower < 0 || z.lower > z.upper)
    bad_option("zoom_range must be [lower, upper] with 0 <= lower <= upper (a float z means "
               "[1-z, 1+z]); received [" + num(z.lower) + ", " + num(z.upper) + "].");
  const auto& b = o.brightness_range;
  if (!b.empty()) {
    if (b.size() != 2)
      bad_option("brightness_range must be empty (None) or a pair {low, high}; received " +
                 std::to_string(b.size()) + " values.");
    if (!std::isfinite(b[0]) || !std::isfinite(b[1]) || b[0] > b[1])
      bad_option("brightness_range must be {low, high} with low <= high; received {" +
                 num(b[0]) + ", " + num(b[1]) + "}.");
  }
  if (!std::isfinite(o.cval)) bad_option("cval must be finite; received " + num(o.cval) + ".");
  if (!std::isfinite(o.rescale))
    bad_option("rescale must be finite (0 = none); received " + num(o.rescale) + ".");
  if (!(o.validation_split >= 0 && o.validation_split < 1))
    bad_option("validation_split must be in [0, 1); received " + num(o.validation_split) + ".");
  if (o.interpolation_order != 0 && o.interpolation_order != 1)
    bad_option("interpolation_order must be 0 or 1; received " +
               std::to_string(o.interpolation_order) + ".");
  switch (o.fill_mode) {
    case FillMode::Constant: case FillMode::Nearest: case FillMode::Reflect: case FillMode::Wrap:
      break;
    default:
      bad_option("fill_mode is not a FillMode value.");
  }
  detail::validate_extra_options(o);
}

// np.mean / np.std over a span, in double.
std::pair<double, double> mean_std(std::span<const float> v) {
  double sum = 0;
  for (float x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  double sq = 0;
  for (float x : v) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / static_cast<double>(v.size()))};
}

}  // namespace

ShiftRange ShiftRange::integer(int64_t n) {
  if (n < 0)
    throw ConfigError("ShiftRange::integer: n must be >= 0 (pixels in (-n, n)); received " +
                      std::to_string(n) + ".");
  ShiftRange s;
  for (int64_t i = 0; i < n; ++i) s.choices.push_back(static_cast<double>(i));
  return s;  // n == 0 (Keras's falsy 0) leaves the image unshifted
}

ShiftRange ShiftRange::list(std::vector<double> values) {
  ShiftRange s;
  s.choices = std::move(values);
  return s;
}

ImageDataGenerator::ImageDataGenerator(ImageDataGeneratorOptions options)
    : options_(std::move(options)) {
  validate(options_);
  // Keras turns these on (with a warning) when only the std flag is set.
  if (options_.featurewise_std_normalization) options_.featurewise_center = true;
  if (options_.samplewise_std_normalization) options_.samplewise_center = true;
}

void ImageDataGenerator::check_image_shape(const Shape& hwc, const char* where) const {
  if (hwc.size() != 3 || hwc[0] < 1 || hwc[1] < 1 || hwc[2] < 1)
    throw ShapeError(std::string("ImageDataGenerator.") + where +
                     ": expected one image [H, W, C] with positive sizes; received " +
                     to_string(hwc) + ".");
}

double ImageDataGenerator::draw_shift(const ShiftRange& s, int64_t size, Rng& rng) const {
  if (!s.active()) return 0.0;
  double v, top;
  if (!s.choices.empty()) {
    v = s.choices[rng.below(s.choices.size())];
    v *= rng.below(2) == 0 ? -1.0 : 1.0;
    top = *std::max_element(s.choices.begin(), s.choices.end());
  } else {
    v = rng.uniform(-s.range, s.range);
    top = s.range;
  }
  return top < 1 ? v * static_cast<double>(size) : v;
}

TransformParams ImageDataGenerator::get_random_transform(const Shape& hwc, Rng& rng) const {
  check_image_shape(hwc, "get_random_transform");
  const auto& o = options_;
  TransformParams p;
  if (o.rotation_range != 0) p.theta = rng.uniform(-o.rotation_range, o.rotation_range);
  p.tx = draw_shift(o.height_shift_range, hwc[0], rng);
  p.ty = draw_shift(o.width_shift_range, hwc[1], rng);
  if (o.shear_range != 0) p.shear = rng.uniform(-o.shear_range, o.shear_range);
  if (!(o.zoom_range.lower == 1 && o.zoom_range.upper == 1)) {
    p.zx = rng.uniform(o.zoom_range.lower, o.zoom_range.upper);
    p.zy = rng.uniform(o.zoom_range.lower, o.zoom_range.upper);
  }
  // Keras draws both coins whether or not the flip is enabled.
  p.flip_horizontal = (rng.uniform() < 0.5) && o.horizontal_flip;
  p.flip_vertical = (rng.uniform() < 0.5) && o.vertical_flip;
  if (o.channel_shift_range != 0)
    p.channel_shift_intensity = rng.uniform(-o.channel_shift_range, o.channel_shift_range);
  if (!o.brightness_range.empty())
    p.brightness = rng.uniform(o.brightness_range[0], o.brightness_range[1]);
  detail::draw_extra_transform(o, hwc[0], hwc[1], rng, p);
  return p;
}

void ImageDataGenerator::apply_transform(std::span<const float> image, const Shape& hwc,
                                         const TransformParams& p, std::span<float> out) const {
  check_image_shape(hwc, "apply_transform");
  const int64_t h = hwc[0], w = hwc[1], c = hwc[2];
  const size_t n = static_cast<size_t>(h * w * c);
  if (image.size() != n || out.size() != n)
    throw ShapeError("ImageDataGenerator.apply_transform: expected " + std::to_string(n) +
                     " floats for image and output " + to_string(hwc) + "; received " +
                     std::to_string(image.size()) + " and " + std::to_string(out.size()) + ".");
  auto map = keras_affine_map(p.theta, p.tx, p.ty, p.shear, p.zx, p.zy, h, w,
                              options_.affine_center);
  if (p.crop) map = detail::crop_map(*p.crop, h, w, map);
  if (map) {
    const bool overlap = image.data() < out.data() + n && out.data() < image.data() + n;
    const WarpOptions warp{options_.fill_mode, static_cast<float>(options_.cval),
                           options_.interpolation_order};
    if (overlap) {
      const Tensor copy(hwc, image);
      affine_warp(copy.values(), out, h, w, c, *map, warp);
    } else {
      affine_warp(image, out, h, w, c, *map, warp);
    }
  } else if (image.data() != out.data()) {
    std::memmove(out.data(), image.data(), n * sizeof(float));
  }
  if (p.channel_shift_intensity) detail::channel_shift(out, *p.channel_shift_intensity);
  if (p.flip_horizontal) detail::flip_columns(out, h, w, c);
  if (p.flip_vertical) detail::flip_rows(out, h, w, c);
  if (p.brightness) detail::brightness_shift(out, c, *p.brightness);
  detail::color_jitter(out, c, p, options_.pixel_max);
  detail::erase_box(out, w, c, p, options_.random_erasing_value, options_.pixel_max);
}

Tensor ImageDataGenerator::apply_transform(const Tensor& image, const TransformParams& p) const {
  Tensor out(image.shape());
  apply_transform(image.values(), image.shape(), p, out.values());
  return out;
}

Tensor ImageDataGenerator::random_transform(const Tensor& image, Rng& rng) const {
  return apply_transform(image, get_random_transform(image.shape(), rng));
}

void ImageDataGenerator::standardize(Tensor& image) const {
  standardize(image.values(), image.shape());
}

void ImageDataGenerator::standardize(std::span<float> image, const Shape& hwc) const {
  check_image_shape(hwc, "standardize");
  const auto& o = options_;
  if (static_cast<int64_t>(image.size()) != num_elements(hwc))
    throw ShapeError("ImageDataGenerator.standardize: expected " +
                     std::to_string(num_elements(hwc)) + " floats for " + to_string(hwc) +
                     "; received " + std::to_string(image.size()) + ".");
  if (o.preprocessing_function) {
    Tensor t(hwc, image);
    o.preprocessing_function(t);
    if (t.shape() != hwc)
      throw ShapeError("ImageDataGenerator.preprocessing_function: must keep the image shape " +
                       to_string(hwc) + "; returned " + to_string(t.shape()) + ".");
    std::copy(t.values().begin(), t.values().end(), image.begin());
  }
  if (o.rescale != 0) {
    const float s = static_cast<float>(o.rescale);
    for (float& v : image) v *= s;
  }
  if (o.samplewise_center) {
    const float mean = static_cast<float>(mean_std(image).first);
    for (float& v : image) v -= mean;
  }
  if (o.samplewise_std_normalization) {
    const float d = static_cast<float>(mean_std(image).second) + 1e-6f;
    for (float& v : image) v /= d;
  }
  if (!o.featurewise_center && !o.featurewise_std_normalization) return;
  if (!fitted_)
    throw StateError(std::string("ImageDataGenerator.standardize: featurewise_") +
                     (o.featurewise_std_normalization ? "std_normalization" : "center") +
                     " needs statistics from fit(), which has not been called.\nHint: call "
                     "fit(x_train) before flow() or standardize() (Keras only warns and skips "
                     "the step; petal refuses).");
  const int64_t c = hwc[2];
  if (mean_.size() != c)
    throw ShapeError("ImageDataGenerator.standardize: fit() saw " +
                     std::to_string(mean_.size()) + " channels; this image has " +
                     std::to_string(c) + ".");
  for (size_t i = 0; i < image.size(); ++i) {
    const int64_t k = static_cast<int64_t>(i) % c;
    if (o.featurewise_center) image[i] -= mean_[k];
    if (o.featurewise_std_normalization) image[i] /= std_[k] + 1e-6f;
  }
}

void ImageDataGenerator::fit(const Tensor& x, const FeaturewiseFitOptions& fo) {
  if (x.rank() != 4 || x.dim(0) < 1)
    throw ShapeError("ImageDataGenerator.fit: expected x of rank 4 [N, H, W, C] with N >= 1; "
                     "received " + to_string(x.shape()) + ".");
  if (fo.augment && fo.rounds < 1)
    throw ConfigError("ImageDataGenerator.fit: rounds must be >= 1; received " +
                      std::to_string(fo.rounds) + ".");
  const int64_t n = x.dim(0), c = x.dim(3);
  const Shape hwc{x.dim(1), x.dim(2), c};
  Tensor data;
  if (fo.augment) {
    data = Tensor(with_batch(n * fo.rounds, hwc));
    const int64_t row = x.row_size();
    const Rng base(fo.seed);
    for (int64_t i = 0; i < n * fo.rounds; ++i) {
      Rng rng = base.fork(static_cast<uint64_t>(i));
      const auto src = x.values().subspan(static_cast<size_t>((i % n) * row), row);
      apply_transform(src, hwc, get_random_transform(hwc, rng),
                      data.values().subspan(static_cast<size_t>(i * row), row));
    }
  }
  const Tensor& d = fo.augment ? data : x;
  const int64_t pixels = d.size() / c;
  mean_ = Tensor({c});
  std_ = Tensor({c}, 1.0f);
  std::vector<double> sum(c, 0.0), sq(c, 0.0);
  if (options_.featurewise_center) {
    for (int64_t i = 0; i < d.size(); ++i) sum[i % c] += d[i];
    for (int64_t k = 0; k < c; ++k) mean_[k] = static_cast<float>(sum[k] / pixels);
  }
  if (options_.featurewise_std_normalization) {
    // np.std of the data after Keras's x -= mean (float32), about its own mean.
    std::vector<double> m2(c, 0.0);
    for (int64_t i = 0; i < d.size(); ++i) m2[i % c] += d[i] - mean_[i % c];
    for (int64_t k = 0; k < c; ++k) m2[k] /= static_cast<double>(pixels);
    for (int64_t i = 0; i < d.size(); ++i) {
      const double v = static_cast<float>(d[i] - mean_[i % c]) - m2[i % c];
      sq[i % c] += v * v;
    }
    for (int64_t k = 0; k < c; ++k) std_[k] = static_cast<float>(std::sqrt(sq[k] / pixels));
  }
  fitted_ = true;
}

std::unique_ptr<NumpyArrayIterator> ImageDataGenerator::flow(Tensor x, Tensor y,
                                                             FlowOptions options) const {
  return std::make_unique<NumpyArrayIterator>(std::make_shared<const ImageDataGenerator>(*this),
                                              std::move(x), std::move(y), std::move(options));
}

ImageDataGeneratorOptions tutorial_augmentation() {
  ImageDataGeneratorOptions o;
  o.rotation_range = 20;
  o.width_shift_range = 0.2;
  o.height_shift_range = 0.2;
  o.shear_range = 0.15;
  o.zoom_range = 0.15;
  o.fill_mode = FillMode::Nearest;
  o.horizontal_flip = true;
  return o;
}

}  // namespace petal
