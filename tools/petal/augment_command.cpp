// petal augment: write augmented copies of images (the tutorial's augmentation
// demo), to see what an augmentation preset or set of flags does.
#include <algorithm>
#include <iostream>
#include <set>

#include "args.h"
#include "commands.h"
#include "petal/app/augmentation.h"
#include "petal/app/train_config.h"
#include "petal/core/error.h"
#include "petal/data/augment_preview.h"
#include "petal/data/image_data_generator.h"

namespace petal::cli {

namespace {

const std::set<std::string> kExtraKeys = {"random_resized_crop", "random_resized_crop_ratio", "brightness_jitter",
                                          "contrast_jitter", "saturation_jitter", "random_erasing"};

}  // namespace

int augment_command(const std::vector<std::string>& argv) {
  ArgParser p("augment", "petal augment SOURCE --out DIR [--augment tutorial|default] [--count N] [--image-size S]",
              "Write N augmented samples of SOURCE (an image, class folders or the Flowers-17 archive) as PNG\n"
              "files, min-max scaled as Keras's save_to_dir, to see what the augmentation does.");
  p.positional("SOURCE", "an image file or a data folder")
      .option("out", "folder to write the samples into")
      .option("augment", "augmentation preset: tutorial | default", "tutorial")
      .option("count", "number of samples", "10")
      .option("image-size", "resize sources to SxS first (0 keeps their size)", "0")
      .option("seed", "seed of the sample choice and transforms", "1");
  for (const ConfigKey& k : train_config_keys()) {  // the augmentations beyond the presets, as petal train takes them
    if (!kExtraKeys.count(k.key)) continue;
    std::string flag = k.key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    p.option(flag, k.help, "", k.value);
  }
  auto args = p.parse(argv);
  if (!args) return 0;
  if (!args->has("out")) throw UsageError("petal augment: missing --out DIR (see petal augment --help)");
  TrainConfig c = tutorial_config();
  apply_augment_preset(c, args->str("augment"));
  for (const auto& [name, value] : args->given()) {
    std::string key = name;
    std::replace(key.begin(), key.end(), '-', '_');
    if (!kExtraKeys.count(key)) continue;
    try {
      set_option(c, key, value);
    } catch (const ConfigError& e) {
      throw UsageError("petal augment: " + std::string(e.what()));
    }
  }
  const long long count = args->integer("count"), size = args->integer("image-size");
  if (count < 1) throw UsageError("--count: expected an integer >= 1; received " + std::to_string(count));
  if (size < 0) throw UsageError("--image-size: expected 0 or a positive size; received " + std::to_string(size));
  AugmentPreviewOptions o{.count = count, .seed = static_cast<uint64_t>(args->integer("seed")), .out_dir = args->str("out")};
  if (size > 0) o.target_size = ImageSize{size, size};
  const ImageDataGenerator generator(augmentation_options(c));
  for (const auto& path : write_augmented_samples(generator, args->positional()[0], o)) std::cout << path << "\n";
  return 0;
}

}  // namespace petal::cli
