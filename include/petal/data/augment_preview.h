// Writing augmented copies of images to files, to see what an ImageDataGenerator does
// (the library side of `petal augment`, after the tutorial's augmentation_demo.py).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "petal/data/image.h"
#include "petal/data/image_io.h"
#include "petal/data/image_list.h"

namespace petal {

class ImageDataGenerator;

struct AugmentPreviewOptions {
  int64_t count = 10;                      // images written (the demo's total = 10)
  std::optional<ImageSize> target_size{};  // none: each source image keeps its size
  uint64_t seed = 0;
  std::string out_dir{};                   // created when missing
  std::string prefix = "image";
  std::string format = "png";              // png, jpg, jpeg or bmp
  ColorMode color_mode = ColorMode::Rgb;
  Interpolation interpolation = Interpolation::Bilinear;  // resizing to target_size
  // Also run the generator's standardize() (rescale, centring, ...) before writing;
  // off by default since the file is min-max scaled anyway (see below).
  bool standardize = false;
};

// Writes options.count files "{prefix}_{k}.{format}" (k = 0..count-1, zero-padded to
// the width of count - 1) into out_dir and returns their paths in order. Sample k is
// source image order[k % n], where order is a permutation of the n sources drawn
// from the seed, augmented with the generator's random transform drawn from
// Rng(seed).fork(k). Pixels are min-max scaled to 0..255 as Keras's save_to_dir
// does (array_to_img(scale=True)). The same (generator, sources, options) always
// writes the same files. ConfigError for bad options, DataError naming an
// unreadable source, IoError naming a file that cannot be written.
std::vector<std::string> write_augmented_samples(const ImageDataGenerator& generator,
                                                 const ImageList& sources,
                                                 const AugmentPreviewOptions& options);

// `source` is one image file, or a folder that flow_from_directory can list (class
// folders or the Flowers-17 archive).
std::vector<std::string> write_augmented_samples(const ImageDataGenerator& generator,
                                                 const std::string& source,
                                                 const AugmentPreviewOptions& options);

}  // namespace petal
