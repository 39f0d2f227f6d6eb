// TrainConfig -> ImageDataGenerator options, and the training batch sources built on them.
#include "petal/app/augmentation.h"

#include <numeric>

#include "petal/app/train_sources.h"
#include "petal/core/error.h"
#include "petal/data/affine.h"
#include "petal/data/csv_images.h"

namespace petal {

ImageDataGeneratorOptions augmentation_options(const TrainConfig& c) {
  ImageDataGeneratorOptions o;
  o.rotation_range = c.rotation_range;
  o.width_shift_range = ShiftRange(c.width_shift_range);
  o.height_shift_range = ShiftRange(c.height_shift_range);
  o.shear_range = c.shear_range;
  o.zoom_range = ZoomRange(c.zoom_lower, c.zoom_upper);
  o.horizontal_flip = c.horizontal_flip;
  o.vertical_flip = c.vertical_flip;
  o.fill_mode = parse_fill_mode(c.fill_mode);
  o.cval = c.cval;
  o.brightness_range = c.brightness_range;
  o.channel_shift_range = c.channel_shift_range;
  o.random_resized_crop_scale = c.random_resized_crop;
  o.random_resized_crop_ratio = c.random_resized_crop_ratio;
  o.brightness_jitter = c.brightness_jitter;
  o.contrast_jitter = c.contrast_jitter;
  o.saturation_jitter = c.saturation_jitter;
  o.random_erasing = c.random_erasing;
  o.rescale = c.rescale;
  return o;
}

std::unique_ptr<NumpyArrayIterator> make_train_flow(const TrainConfig& c, Tensor x, Tensor y, uint64_t seed) {
  const ImageDataGenerator generator(augmentation_options(c));
  return generator.flow(std::move(x), std::move(y), {.batch_size = c.batch_size, .shuffle = true, .seed = seed});
}

namespace {

class CsvAugmentingGenerator final : public Generator {
 public:
  CsvAugmentingGenerator(const TrainConfig& c, const std::string& path, std::vector<std::string> class_names,
                         uint64_t seed)
      : reader_(path, {.batch_size = c.batch_size,
                       .image_size = {c.image_height, c.image_width},
                       .channels = 3,
                       .class_names = std::move(class_names),
                       .mode = CsvMode::Train,
                       .file_order = c.csv_channels == "bgr" ? ChannelOrder::Bgr : ChannelOrder::Rgb}),
        generator_(augmentation_options(c)),
        augment_(augmentation_active(c)),
        seed_(seed) {}

  bool seek(int64_t batches) override {
    reader_.seek(batches);
    batches_ = static_cast<uint64_t>(batches);
    return true;
  }

  Batch next() override {
    Batch b = reader_.next();
    Tensor& x = b.x.front();
    const Rng rng = Rng(seed_).fork(batches_++);
    const int64_t n = x.dim(0);
    const Shape hwc = {x.dim(1), x.dim(2), x.dim(3)};
    const int64_t row = x.row_size();
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    if (!augment_) {
      for (int64_t i = 0; i < n; ++i) generator_.standardize(std::span<float>(x.data() + i * row, row), hwc);
      return b;
    }
    Rng order_rng = rng.fork(0);
    order_rng.shuffle(std::span<int64_t>(order));  // flow(shuffle=True) permutes the batch
    Tensor out_x(x.shape());
    for (int64_t i = 0; i < n; ++i) {
      Rng sample_rng = rng.fork(static_cast<uint64_t>(i) + 1);
      const TransformParams p = generator_.get_random_transform(hwc, sample_rng);
      const std::span<float> dst(out_x.data() + i * row, static_cast<size_t>(row));
      generator_.apply_transform(std::span<const float>(x.data() + order[static_cast<size_t>(i)] * row,
                                                        static_cast<size_t>(row)),
                                 hwc, p, dst);
      generator_.standardize(dst, hwc);
    }
    return Batch{std::move(out_x), b.y.front().gather(order), {}};
  }

 private:
  CsvImageReader reader_;
  ImageDataGenerator generator_;
  bool augment_;
  uint64_t seed_;
  uint64_t batches_ = 0;
};

}  // namespace

std::unique_ptr<Generator> make_csv_train_generator(const TrainConfig& c, const std::string& csv_path,
                                                    std::vector<std::string> class_names, uint64_t seed) {
  return std::make_unique<CsvAugmentingGenerator>(c, csv_path, std::move(class_names), seed);
}

void apply_rescale(Tensor& x, double factor) {
  if (factor == 0.0 || factor == 1.0) return;
  const float f = static_cast<float>(factor);
  for (float& v : x.values()) v *= f;
}

}  // namespace petal
