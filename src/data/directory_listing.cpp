// flow_from_directory's listing (class folders or the Flowers-17 archive), class-mode
// names, and ImageDataGenerator::flow_from_directory / flow_from_list.
#include <algorithm>
#include <filesystem>
#include <map>

#include "petal/core/error.h"
#include "petal/io/path_status.h"
#include "petal/data/directory_iterator.h"
#include "petal/data/flowers17.h"
#include "petal/data/image_data_generator.h"
#include "petal/data/image_folder.h"

namespace petal {

std::string to_string(ClassMode mode) {
  switch (mode) {
    case ClassMode::Categorical: return "categorical";
    case ClassMode::Sparse: return "sparse";
    case ClassMode::Binary: return "binary";
    case ClassMode::Input: return "input";
    case ClassMode::None: break;
  }
  return "none";
}

ClassMode parse_class_mode(const std::string& name) {
  for (ClassMode m : {ClassMode::Categorical, ClassMode::Sparse, ClassMode::Binary,
                      ClassMode::Input, ClassMode::None}) {
    if (name == to_string(m)) return m;
  }
  throw ConfigError("class_mode: expected one of categorical, sparse, binary, input, none; "
                    "received '" + name + "'.");
}

namespace {

// Keeps the files of `classes` (in that order) and relabels them 0..k-1.
ImageList pick_classes(const ImageList& all, const std::vector<std::string>& classes,
                       const std::string& directory) {
  const std::map<std::string, int64_t> known = all.class_indices();
  std::map<int64_t, int64_t> relabel;
  for (size_t i = 0; i < classes.size(); ++i) {
    const auto it = known.find(classes[i]);
    if (it == known.end()) {
      std::string names;
      for (const std::string& n : all.class_names) names += (names.empty() ? "" : ", ") + n;
      throw DataError("flow_from_directory('" + directory + "'): expected class '" + classes[i] +
                      "' (listed in classes) among the data set's classes; received " + names + ".");
    }
    relabel[it->second] = static_cast<int64_t>(i);
  }
  ImageList out;
  out.class_names = classes;
  for (size_t i = 0; i < all.paths.size(); ++i) {
    const auto it = relabel.find(all.labels[i]);
    if (it == relabel.end()) continue;
    out.paths.push_back(all.paths[i]);
    out.labels.push_back(it->second);
  }
  return out;
}

}  // namespace

ImageList list_flow_directory(const std::string& directory, const std::vector<std::string>& classes,
                              bool follow_links, DatasetLayout layout) {
  std::error_code ec;
  if (!std::filesystem::exists(directory, ec))
    throw DataError("flow_from_directory('" + directory + "'): expected a folder of class "
                    "sub-folders or the Flowers-17 archive; " + path_problem(directory) + ".");
  if (layout == DatasetLayout::Unknown) layout = detect_layout(directory);
  if (layout == DatasetLayout::Flowers17) {
    ImageList all = list_flowers17(directory);
    return classes.empty() ? all : pick_classes(all, classes, directory);
  }
  if (layout == DatasetLayout::CsvPixels) {
    throw DataError("flow_from_directory('" + directory + "'): expected class folders of images "
                    "or the Flowers-17 archive; received a CSV of pixels.\nHint: read it with "
                    "CsvImageReader (read_all) and use flow().");
  }
  // ImageFolder, or nothing recognised: list_image_folder says what is wrong.
  return list_image_folder(directory, {.classes = classes, .follow_links = follow_links});
}

std::unique_ptr<DirectoryIterator> ImageDataGenerator::flow_from_directory(
    const std::string& directory, DirectoryFlowOptions options) const {
  ImageList list = list_flow_directory(directory, options.classes, options.follow_links,
                                       options.layout);
  return std::make_unique<DirectoryIterator>(std::make_shared<const ImageDataGenerator>(*this),
                                             std::move(list), std::move(options), directory);
}

std::unique_ptr<DirectoryIterator> ImageDataGenerator::flow_from_list(
    ImageList list, DirectoryFlowOptions options) const {
  return std::make_unique<DirectoryIterator>(std::make_shared<const ImageDataGenerator>(*this),
                                             std::move(list), std::move(options));
}

}  // namespace petal
