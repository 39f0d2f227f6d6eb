// write_augmented_samples: decode the chosen sources, augment each copy from its own
// stream, and write it through the save_to_dir writer.
#include "petal/data/augment_preview.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/data/directory_iterator.h"
#include "petal/data/image_batcher.h"
#include "petal/data/image_data_generator.h"

namespace petal {
namespace fs = std::filesystem;

namespace {

void check_options(const AugmentPreviewOptions& o, int64_t sources) {
  const std::string who = "write_augmented_samples";
  if (o.count < 1)
    throw ConfigError(who + ": count must be >= 1; received " + std::to_string(o.count) + ".");
  if (o.out_dir.empty())
    throw ConfigError(who + ": out_dir must name a folder; received an empty string.");
  static const std::set<std::string> kFormats{"png", "jpg", "jpeg", "bmp"};
  if (!kFormats.count(o.format))
    throw ConfigError(who + ": format must be one of png, jpg, jpeg, bmp; received '" + o.format +
                      "'.");
  if (o.target_size && (o.target_size->height < 1 || o.target_size->width < 1))
    throw ConfigError(who + ": target_size must be positive; received (" +
                      std::to_string(o.target_size->height) + ", " +
                      std::to_string(o.target_size->width) + ").");
  if (sources < 1) throw DataError(who + ": expected at least one source image; received none.");
}

std::string padded(int64_t k, int64_t count) {
  const size_t width = std::to_string(count - 1).size();
  std::string s = std::to_string(k);
  return std::string(width - std::min(width, s.size()), '0') + s;
}

}  // namespace

std::vector<std::string> write_augmented_samples(const ImageDataGenerator& generator,
                                                 const ImageList& sources,
                                                 const AugmentPreviewOptions& options) {
  check_options(options, sources.size());
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec)
    throw IoError("write_augmented_samples: cannot create out_dir '" + options.out_dir + "': " +
                  ec.message() + ".");
  const Rng base(options.seed);
  const std::vector<int64_t> order = base.fork(0).permutation(sources.size());
  const Rng sample_base = base.fork(1);
  const DecodeOptions decode{.target_size = options.target_size,
                             .color_mode = options.color_mode,
                             .interpolation = options.interpolation};
  std::map<int64_t, Tensor> decoded;  // source index -> [H, W, C], values 0..255
  std::vector<std::string> written;
  for (int64_t k = 0; k < options.count; ++k) {
    const int64_t s = order[static_cast<size_t>(k % sources.size())];
    auto it = decoded.find(s);
    if (it == decoded.end())
      it = decoded.emplace(s, to_tensor(decode_image(sources.paths[static_cast<size_t>(s)],
                                                     decode))).first;
    const Tensor& image = it->second;
    Rng rng = sample_base.fork(static_cast<uint64_t>(k));
    Tensor out = generator.apply_transform(image, generator.get_random_transform(image.shape(), rng));
    if (options.standardize) generator.standardize(out);
    const std::string path = (fs::path(options.out_dir) /
                              (options.prefix + "_" + padded(k, options.count) + "." +
                               options.format)).string();
    write_scaled_image(out.values(), out.shape(), path, "write_augmented_samples");
    written.push_back(path);
  }
  return written;
}

std::vector<std::string> write_augmented_samples(const ImageDataGenerator& generator,
                                                 const std::string& source,
                                                 const AugmentPreviewOptions& options) {
  std::error_code ec;
  if (fs::is_regular_file(source, ec)) {
    ImageList one;
    one.paths = {source};
    one.labels = {0};
    one.class_names = {""};
    return write_augmented_samples(generator, one, options);
  }
  if (!fs::exists(source, ec))
    throw DataError("write_augmented_samples('" + source + "'): expected an image file or a "
                    "folder of images; the path does not exist.");
  return write_augmented_samples(generator, list_flow_directory(source), options);
}

}  // namespace petal
