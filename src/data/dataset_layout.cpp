// detect_layout: cheap directory probes, stopping at the first match.
#include "petal/data/dataset_layout.h"

#include <filesystem>

#include "petal/core/error.h"
#include "petal/io/path_status.h"
#include "petal/data/flowers17.h"
#include "petal/data/image_folder.h"

namespace petal {
namespace fs = std::filesystem;

namespace {

bool has_flowers17_images(const fs::path& folder) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    if (flowers17_image_number(entry.path().filename().string())) return true;
  }
  return false;
}

bool is_csv(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return ext == ".csv";
}

bool holds_image(const fs::path& folder) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code ignored;
    if (!it->is_directory(ignored) && has_image_extension(it->path().filename().string())) return true;
  }
  return false;
}

bool has_class_folders(const fs::path& dir) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code ignored;
    if (entry.is_directory(ignored) && !name.empty() && name[0] != '.' && holds_image(entry.path())) return true;
  }
  return false;
}

bool has_csv(const fs::path& dir) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    std::error_code ignored;
    if (entry.is_regular_file(ignored) && is_csv(entry.path())) return true;
  }
  return false;
}

}  // namespace

std::string to_string(DatasetLayout layout) {
  switch (layout) {
    case DatasetLayout::Flowers17: return "Flowers17";
    case DatasetLayout::ImageFolder: return "ImageFolder";
    case DatasetLayout::CsvPixels: return "CsvPixels";
    case DatasetLayout::Unknown: break;
  }
  return "Unknown";
}

DatasetLayout detect_layout(const std::string& path) {
  const fs::path p(path);
  std::error_code ec;
  if (!fs::exists(p, ec)) {
    throw DataError("detect_layout('" + path + "'): expected a dataset folder or CSV file; " + path_problem(p) + ".");
  }
  if (!fs::is_directory(p, ec)) return is_csv(p) ? DatasetLayout::CsvPixels : DatasetLayout::Unknown;
  if ((fs::is_directory(p / "jpg", ec) && has_flowers17_images(p / "jpg")) || has_flowers17_images(p)) {
    return DatasetLayout::Flowers17;
  }
  if (has_class_folders(p)) return DatasetLayout::ImageFolder;
  if (has_csv(p)) return DatasetLayout::CsvPixels;
  return DatasetLayout::Unknown;
}

DatasetLayout require_layout(const std::string& path) {
  const DatasetLayout layout = detect_layout(path);
  if (layout == DatasetLayout::Unknown) {
    throw DataError("detect_layout('" + path +
                    "'): expected one of: a Flowers-17 archive (jpg/image_NNNN.jpg or image_NNNN.jpg), an image "
                    "folder (<class>/ sub-folders holding .png/.jpg/.jpeg/.bmp/.ppm/.tif/.tiff/.webp files), or a "
                    "CSV of pixels (a .csv file, or a folder holding one); received none of these.");
  }
  return layout;
}

}  // namespace petal
