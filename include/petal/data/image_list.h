// A labelled list of image files (what every image source produces: paths, integer
// labels, class names) and loading it into a batch tensor.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "petal/data/image_loader.h"

namespace petal {

struct ImageList {
  std::vector<std::string> paths{};        // [N]
  std::vector<int64_t> labels{};           // [N], each in [0, class_names.size())
  std::vector<std::string> class_names{};  // label -> name
  // Files the listing met but left out because their extension is not one it
  // reads (.gif, .txt, ...), so that callers can say so.
  std::vector<std::string> ignored{};

  int64_t size() const { return static_cast<int64_t>(paths.size()); }
  int64_t num_classes() const { return static_cast<int64_t>(class_names.size()); }
  // Keras's class_indices: name -> label.
  std::map<std::string, int64_t> class_indices() const;
  // Images per class, [num_classes].
  std::vector<int64_t> class_counts() const;
  // The entries at `indices`, in that order, with the same class names.
  ImageList subset(std::span<const int64_t> indices) const;
};

struct LabeledImages {
  Tensor x{};                          // [N, H, W, C], values 0..255
  std::vector<int64_t> labels{};       // [N]
  std::vector<int64_t> kept{};         // indices into the list
  std::vector<SkippedFile> skipped{};  // left out under OnError::Skip
};

// Decodes the whole list in parallel (see load_images) and keeps labels aligned.
LabeledImages load_image_list(const ImageList& list, ImageLoader& loader, int threads = 1);

}  // namespace petal
