// The Flowers-17 archive layout (jpg/image_0001.jpg ... image_1360.jpg, optional
// jpg/files.txt): labels from the file numbers and petal's 17 class names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "petal/data/image_list.h"

namespace petal {

inline constexpr int64_t kFlowers17NumClasses = 17;
inline constexpr int64_t kFlowers17ImagesPerClass = 80;
inline constexpr int64_t kFlowers17NumImages = 1360;

// Archive: label = (NNNN - 1) / 80 in the dataset README's order (daffodil = 0, ...,
// pansy = 16). Alphabetical: the sorted names, as the tutorial's LabelBinarizer
// and classification report use (bluebell = 0, ..., windflower = 16).
enum class ClassOrder { Alphabetical, Archive };

// Class names in archive order; index = archive label. The README spells class 2
// 'lily_valley'; petal uses the tutorial's folder name 'lilyvalley' (the name in
// its classification report). Either spelling sorts to the same place.
const std::vector<std::string>& flowers17_archive_class_names();
// The same 17 names sorted alphabetically (bluebell, buttercup, ..., windflower).
const std::vector<std::string>& flowers17_sorted_class_names();
// (image_number - 1) / 80 for image_number in 1..1360; ConfigError otherwise.
int64_t flowers17_archive_label(int64_t image_number);
// Position of archive class `archive_label` in the alphabetical order.
int64_t flowers17_sorted_label(int64_t archive_label);
// NNNN when `filename` is exactly "image_NNNN.jpg" (four digits), else nullopt.
std::optional<int64_t> flowers17_image_number(const std::string& filename);

struct Flowers17Options {
  // Labels and class_names of the returned list. Default Alphabetical, matching the
  // tutorial's LabelBinarizer and report order.
  ClassOrder order = ClassOrder::Alphabetical;
  // Throw unless all 1360 images are present (a sample is accepted by default).
  bool require_all = false;
};

// Lists Flowers-17 from `directory`, which is the archive root (holding jpg/) or
// the jpg folder itself. With files.txt the list comes from it (each named file must
// exist); without, from the image_NNNN.jpg files present. Sorted by number.
// Throws DataError naming the folder or file for a missing folder, no images,
// a bad files.txt line, a number outside 1..1360 or a missing listed file.
ImageList list_flowers17(const std::string& directory, const Flowers17Options& options = {});

// Where a copy of the Flowers-17 archive is: $PETAL_FLOWERS17_DIR, $PETAL_DATA,
// ./data/flowers17, then shared/data/flowers17 beside `project_dir` (the layout
// CI uses); nullopt when none holds jpg/image_0001.jpg.
std::optional<std::string> find_flowers17(const std::string& project_dir = ".");

}  // namespace petal
