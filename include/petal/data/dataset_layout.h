// Recognises how a dataset is laid out on disk (Flowers-17 archive, class folders,
// CSV of pixels) so tools can pick the right image source.
#pragma once

#include <string>

namespace petal {

enum class DatasetLayout { Flowers17, ImageFolder, CsvPixels, Unknown };

std::string to_string(DatasetLayout layout);

// Checks, in this order:
//  Flowers17   - <path>/jpg/image_NNNN.jpg or <path>/image_NNNN.jpg files;
//  ImageFolder - a sub-folder (not hidden) holding an image file at any depth;
//  CsvPixels   - <path> is a .csv file, or a folder holding a .csv file;
//  Unknown     - none of these.
// Throws DataError naming the path when it does not exist.
DatasetLayout detect_layout(const std::string& path);

// detect_layout, but Unknown throws DataError listing what was looked for.
DatasetLayout require_layout(const std::string& path);

}  // namespace petal
