// list_image_folder: Keras flow_from_directory's file listing and class indices.
#include "core/ascii.h"
#include "petal/data/image_folder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "petal/core/error.h"
#include "petal/io/path_status.h"

namespace petal {
namespace fs = std::filesystem;

namespace {

std::string extension_list(const std::vector<std::string>& extensions) {
  std::string out;
  for (const std::string& e : extensions) out += (out.empty() ? "." : ", .") + e;
  return out;
}

// Image files under `root`, Keras order: folders by sorted path, files by sorted name.
std::vector<std::string> list_class_files(const fs::path& root, const ImageFolderOptions& options,
                                         std::vector<std::string>& ignored) {
  std::vector<std::pair<std::string, std::vector<std::string>>> folders;  // (folder, sorted file names)
  std::vector<fs::path> pending = {root};
  std::set<fs::path> visited;  // canonical folders, against link cycles
  while (!pending.empty()) {
    const fs::path folder = pending.back();
    pending.pop_back();
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(folder, ec);
    if (!visited.insert(ec ? folder : canonical).second) continue;
    std::vector<std::string> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
      std::error_code no_error;
      if (entry.is_directory(no_error)) {
        if (!entry.is_symlink(no_error) || options.follow_links) pending.push_back(entry.path());
      } else if (has_image_extension(entry.path().filename().string(), options.extensions)) {
        files.push_back(entry.path().filename().string());
      } else {
        ignored.push_back(entry.path().string());
      }
    }
    if (ec) {
      throw DataError("ImageFolder('" + folder.string() + "'): cannot list the folder: " + ec.message() + ".");
    }
    std::sort(files.begin(), files.end());
    folders.emplace_back(folder.string(), std::move(files));
  }
  std::sort(folders.begin(), folders.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> paths;
  for (const auto& [folder, files] : folders) {
    for (const std::string& f : files) paths.push_back((fs::path(folder) / f).string());
  }
  return paths;
}

std::vector<std::string> find_classes(const fs::path& dir, const ImageFolderOptions& options) {
  if (!options.classes.empty()) {
    for (const std::string& c : options.classes) {
      std::error_code ec;
      if (!fs::is_directory(dir / c, ec)) {
        throw DataError("ImageFolder('" + dir.string() + "'): expected a sub-folder for class '" + c +
                        "' (listed in classes); received none at '" + (dir / c).string() + "'.");
      }
    }
    return options.classes;
  }
  std::vector<std::string> classes;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    std::error_code ignored;
    const std::string name = entry.path().filename().string();
    if (entry.is_directory(ignored) && (options.include_hidden || name.empty() || name[0] != '.')) {
      classes.push_back(name);
    }
  }
  std::sort(classes.begin(), classes.end());
  if (classes.empty()) {
    throw DataError("ImageFolder('" + dir.string() +
                    "'): expected one sub-folder per class; received a folder with no sub-folders. "
                    "Hint: put the images in <dir>/<class name>/ folders.");
  }
  return classes;
}

void check_options(const std::string& directory, const ImageFolderOptions& options) {
  const double split = options.validation_split;
  if (!(split >= 0.0 && split < 1.0)) {
    throw ConfigError("ImageFolder('" + directory + "'): expected validation_split in [0, 1); received " +
                      std::to_string(split) + ".");
  }
  if (options.subset != FolderSubset::All && split == 0.0) {
    throw ConfigError("ImageFolder('" + directory +
                      "'): a Training or Validation subset needs validation_split > 0; received 0. "
                      "Hint: set validation_split, or use FolderSubset::All.");
  }
}

}  // namespace

bool has_image_extension(const std::string& filename, const std::vector<std::string>& extensions) {
  const size_t dot = filename.rfind('.');
  if (dot == std::string::npos) return false;
  const std::string ext = detail::ascii_lower(filename.substr(dot + 1));
  return std::find(extensions.begin(), extensions.end(), ext) != extensions.end();
}

bool has_image_extension(const std::string& filename) {
  return has_image_extension(filename, ImageFolderOptions{}.extensions);
}

ImageList list_image_folder(const std::string& directory, const ImageFolderOptions& options) {
  check_options(directory, options);
  const fs::path dir(directory);
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    throw DataError("ImageFolder('" + directory + "'): expected a folder of class sub-folders; " + path_problem(dir) +
                    ".");
  }
  if (!fs::is_directory(dir, ec)) {
    throw DataError("ImageFolder('" + directory + "'): expected a folder of class sub-folders; received a file.");
  }
  ImageList list;
  list.class_names = find_classes(dir, options);
  for (size_t label = 0; label < list.class_names.size(); ++label) {
    const std::string& name = list.class_names[label];
    const std::vector<std::string> files = list_class_files(dir / name, options, list.ignored);
    if (files.empty() && !options.allow_empty_classes) {
      throw DataError("ImageFolder('" + directory + "'): class folder '" + name + "' holds no image files (" +
                      extension_list(options.extensions) +
                      "). Hint: remove the folder, list the other classes in `classes`, or set allow_empty_classes.");
    }
    // Keras: split = (0, v) for validation, (v, 1) for training; bounds int(f * n).
    const auto n = static_cast<int64_t>(files.size());
    const auto cut = static_cast<int64_t>(std::floor(options.validation_split * static_cast<double>(n)));
    int64_t begin = 0, end = n;
    if (options.subset == FolderSubset::Validation) end = cut;
    if (options.subset == FolderSubset::Training) begin = cut;
    for (int64_t i = begin; i < end; ++i) {
      list.paths.push_back(files[static_cast<size_t>(i)]);
      list.labels.push_back(static_cast<int64_t>(label));
    }
  }
  return list;
}

}  // namespace petal
