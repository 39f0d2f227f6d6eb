// An image folder in Keras flow_from_directory's layout: one sub-folder per class,
// files found recursively, with Keras's class order and validation split.
#pragma once

#include <string>
#include <vector>

#include "petal/data/image_list.h"

namespace petal {

// Which part of each class a listing keeps when validation_split > 0.
enum class FolderSubset { All, Training, Validation };

struct ImageFolderOptions {
  // Explicit class list: label i is classes[i] (Keras keeps the given order).
  // Empty: every sub-folder, sorted by name (byte order, as Python's sorted()).
  std::vector<std::string> classes{};
  // Descend into symbolic links to folders inside class folders (class folders
  // that are links are always used, as in Keras).
  bool follow_links = false;
  // Keras's validation_split with subset: Validation keeps the FIRST
  // int(split * n) files of each class's sorted list, Training the rest.
  double validation_split = 0.0;
  FolderSubset subset = FolderSubset::All;
  // Keras silently yields 0 images for an empty class folder; petal throws
  // DataError naming it unless this is set.
  bool allow_empty_classes = false;
  // Keras counts hidden folders (".ipynb_checkpoints") as classes; petal skips
  // sub-folders whose names start with '.' unless this is set or they are listed
  // in `classes`.
  bool include_hidden = false;
  // Lower-case extensions without the dot, matched case-insensitively.
  std::vector<std::string> extensions = {"png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff", "webp"};
};

// True when `filename` ends in "." + one of `extensions` (case-insensitive).
bool has_image_extension(const std::string& filename, const std::vector<std::string>& extensions);
bool has_image_extension(const std::string& filename);  // with the default list

// Lists directory/<class>/**/<image>. Files come class by class in label order;
// within a class, folders are visited in sorted path order and files sorted by
// name (Keras's sorted os.walk). Paths are `directory` joined with the relative
// path. Throws DataError naming the directory when it is missing or not a folder
// or has no class folders, naming the class when a listed class folder is missing
// or a class folder is empty; ConfigError for a bad split/subset.
ImageList list_image_folder(const std::string& directory, const ImageFolderOptions& options = {});

}  // namespace petal
