// ImageList helpers and loading a list into a labelled batch.
#include "petal/data/image_list.h"

#include "petal/core/error.h"

namespace petal {

std::map<std::string, int64_t> ImageList::class_indices() const {
  std::map<std::string, int64_t> indices;
  for (size_t i = 0; i < class_names.size(); ++i) indices[class_names[i]] = static_cast<int64_t>(i);
  return indices;
}

std::vector<int64_t> ImageList::class_counts() const {
  std::vector<int64_t> counts(class_names.size(), 0);
  for (int64_t label : labels) {
    if (label >= 0 && label < num_classes()) ++counts[static_cast<size_t>(label)];
  }
  return counts;
}

ImageList ImageList::subset(std::span<const int64_t> indices) const {
  ImageList out;
  out.class_names = class_names;
  out.paths.reserve(indices.size());
  out.labels.reserve(indices.size());
  for (int64_t i : indices) {
    if (i < 0 || i >= size()) {
      throw ConfigError("ImageList::subset: index " + std::to_string(i) + " out of range for " +
                        std::to_string(size()) + " images.");
    }
    out.paths.push_back(paths[static_cast<size_t>(i)]);
    out.labels.push_back(labels[static_cast<size_t>(i)]);
  }
  return out;
}

LabeledImages load_image_list(const ImageList& list, ImageLoader& loader, int threads) {
  if (list.labels.size() != list.paths.size()) {
    throw ConfigError("load_image_list: expected one label per path; received " +
                      std::to_string(list.labels.size()) + " labels for " + std::to_string(list.paths.size()) +
                      " paths.");
  }
  LoadedImages loaded = load_images(list.paths, loader, threads);
  LabeledImages out;
  out.x = std::move(loaded.x);
  out.kept = std::move(loaded.kept);
  out.skipped = std::move(loaded.skipped);
  out.labels.reserve(out.kept.size());
  for (int64_t i : out.kept) out.labels.push_back(list.labels[static_cast<size_t>(i)]);
  return out;
}

}  // namespace petal
