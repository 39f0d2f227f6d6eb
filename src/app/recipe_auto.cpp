// Survey of a dataset's image sizes and the recipe's step budget (see recipe_auto.h).
#include "app/recipe_auto.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "data/image_format.h"
#include "data/image_header.h"
#include "petal/core/error.h"
#include "petal/data/dataset_layout.h"
#include "petal/data/directory_iterator.h"

namespace petal::detail {

namespace {

namespace fs = std::filesystem;
constexpr size_t kSurveyFiles = 256;

// The first .csv file of a CSV dataset (the path itself, or the first by name).
fs::path first_csv(const fs::path& path) {
  if (fs::is_regular_file(path)) return path;
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(path)) {
    if (e.is_regular_file() && e.path().extension() == ".csv") found.push_back(e.path());
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? fs::path() : found.front();
}

AutoChoice csv_side(const std::string& data) {
  const fs::path file = first_csv(data);
  std::ifstream in(file);
  std::string row;
  std::getline(in, row);
  const auto values = static_cast<int64_t>(std::count(row.begin(), row.end(), ','));  // pixels after the label
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(values) / 3.0)));
  if (values < 3 || side * side * 3 != values) {
    throw DataError("--image-size auto: the first row of '" + file.string() + "' holds " + std::to_string(values) +
                    " pixel values; expected a square RGB image (3 * side^2 values).\nHint: pass --image-size HxW.");
  }
  return {side, "the CSV rows' own size"};
}

// Training images only where the dataset has its own train/ folder.
std::string listing_root(const std::string& data) {
  for (const char* sub : {"train", "training"}) {
    if (fs::is_directory(fs::path(data) / sub)) return (fs::path(data) / sub).string();
  }
  return data;
}

}  // namespace

AutoChoice auto_image_side(const std::string& data) {
  const DatasetLayout layout = require_layout(data);
  if (layout == DatasetLayout::CsvPixels) return csv_side(data);
  const ImageList list = list_flow_directory(listing_root(data), {}, false, layout);
  std::vector<int64_t> sides;
  const size_t n = static_cast<size_t>(list.size()), step = std::max<size_t>(1, n / kSurveyFiles);
  for (size_t i = 0; i < n && sides.size() < kSurveyFiles; i += step) {
    std::vector<uint8_t> bytes;
    try {
      bytes = read_file_bytes(list.paths[i], "--image-size auto");
    } catch (const DataError&) {
      continue;  // unreadable files are reported when the dataset is loaded
    }
    const DeclaredSize d = declared_size(bytes, sniff_format(bytes));
    if (d.known && d.height > 0 && d.width > 0) sides.push_back(std::min(d.height, d.width));
  }
  if (sides.empty()) {
    throw DataError("--image-size auto: no image header in '" + data + "' declares a size.\nHint: pass --image-size N.");
  }
  std::nth_element(sides.begin(), sides.begin() + static_cast<std::ptrdiff_t>(sides.size() / 2), sides.end());
  const int64_t median = sides[sides.size() / 2];
  const int64_t side = std::clamp(median / 8 * 8, kRecipeMinSide, kRecipeMaxSide);
  return {side, "median shorter side " + std::to_string(median) + " px of " + std::to_string(sides.size()) +
                    " images, within " + std::to_string(kRecipeMinSide) + ".." + std::to_string(kRecipeMaxSide)};
}

AutoChoice auto_epochs(int64_t steps_per_epoch) {
  const int64_t steps = std::max<int64_t>(1, steps_per_epoch);
  const int64_t epochs = std::clamp((kRecipeSteps + steps / 2) / steps, kRecipeMinEpochs, kRecipeMaxEpochs);
  return {epochs, "about " + std::to_string(kRecipeSteps) + " steps of " + std::to_string(steps) +
                      " per epoch, within " + std::to_string(kRecipeMinEpochs) + ".." +
                      std::to_string(kRecipeMaxEpochs) + " epochs"};
}

AutoChoice auto_warmup_epochs(int64_t epochs, const std::string& lr_schedule) {
  if (lr_schedule == "none") return {0, "no learning-rate schedule"};
  return {std::min(kRecipeWarmupEpochs, epochs / 10),
          std::to_string(kRecipeWarmupEpochs) + " epochs, at most a tenth of " + std::to_string(epochs)};
}

}  // namespace petal::detail
