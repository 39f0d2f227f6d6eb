// Flowers-17: class names, labels from file numbers, and the archive's file list.
#include "petal/data/flowers17.h"

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/io/path_status.h"

namespace petal {
namespace fs = std::filesystem;

namespace {

// The folder holding image_NNNN.jpg: <dir>/jpg when it exists, else <dir>.
fs::path image_folder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "jpg", ec) ? dir / "jpg" : dir;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// (number, path) pairs from files.txt, each checked.
std::vector<std::pair<int64_t, std::string>> read_files_txt(const fs::path& folder) {
  const fs::path list = folder / "files.txt";
  std::ifstream in(list);
  if (!in) {
    throw DataError("Flowers17('" + list.string() + "'): cannot open the file list: " + std::strerror(errno) + ".");
  }
  std::vector<std::pair<int64_t, std::string>> out;
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    const std::string name = trim(line);
    if (name.empty()) continue;
    const std::string where = "Flowers17('" + list.string() + "'), line " + std::to_string(line_no);
    const std::optional<int64_t> number = flowers17_image_number(fs::path(name).filename().string());
    if (!number) {
      throw DataError(where + ": expected a name 'image_NNNN.jpg'; received '" + escape_text(name, 80) + "'.");
    }
    const fs::path path = folder / fs::path(name).filename();
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      throw DataError(where + ": expected the listed file '" + path.string() + "' to exist; it does not. "
                      "Hint: the archive was extracted incompletely; extract it again or remove files.txt.");
    }
    out.emplace_back(*number, path.string());
  }
  return out;
}

std::vector<std::pair<int64_t, std::string>> scan_folder(const fs::path& folder) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    const std::optional<int64_t> number = flowers17_image_number(entry.path().filename().string());
    if (number) out.emplace_back(*number, entry.path().string());
  }
  if (ec) throw DataError("Flowers17('" + folder.string() + "'): cannot list the folder: " + ec.message() + ".");
  return out;
}

}  // namespace

const std::vector<std::string>& flowers17_archive_class_names() {
  static const std::vector<std::string> names = {
      "daffodil", "snowdrop", "lilyvalley", "bluebell", "crocus",    "iris",  "tigerlily", "tulip", "fritillary",
      "sunflower", "daisy",   "coltsfoot",  "dandelion", "cowslip", "buttercup", "windflower", "pansy"};
  return names;
}

const std::vector<std::string>& flowers17_sorted_class_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> sorted = flowers17_archive_class_names();
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }();
  return names;
}

int64_t flowers17_archive_label(int64_t image_number) {
  if (image_number < 1 || image_number > kFlowers17NumImages) {
    throw ConfigError("flowers17_archive_label: expected an image number in 1..1360; received " +
                      std::to_string(image_number) + ".");
  }
  return (image_number - 1) / kFlowers17ImagesPerClass;
}

int64_t flowers17_sorted_label(int64_t archive_label) {
  if (archive_label < 0 || archive_label >= kFlowers17NumClasses) {
    throw ConfigError("flowers17_sorted_label: expected an archive label in 0..16; received " +
                      std::to_string(archive_label) + ".");
  }
  const std::vector<std::string>& sorted = flowers17_sorted_class_names();
  const std::string& name = flowers17_archive_class_names()[static_cast<size_t>(archive_label)];
  return std::find(sorted.begin(), sorted.end(), name) - sorted.begin();
}

std::optional<int64_t> flowers17_image_number(const std::string& filename) {
  if (filename.size() != 14 || filename.compare(0, 6, "image_") != 0 || filename.compare(10, 4, ".jpg") != 0) {
    return std::nullopt;
  }
  int64_t number = 0;
  for (size_t i = 6; i < 10; ++i) {
    if (filename[i] < '0' || filename[i] > '9') return std::nullopt;
    number = number * 10 + (filename[i] - '0');
  }
  return number;
}

ImageList list_flowers17(const std::string& directory, const Flowers17Options& options) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    throw DataError("Flowers17('" + directory + "'): expected the Flowers-17 folder (holding jpg/image_NNNN.jpg); " +
                    (fs::exists(directory, ec) ? "received a file." : path_problem(directory) + "."));
  }
  const fs::path folder = image_folder(directory);
  auto files = fs::exists(folder / "files.txt", ec) ? read_files_txt(folder) : scan_folder(folder);
  if (files.empty()) {
    throw DataError("Flowers17('" + directory + "'): expected image_NNNN.jpg files in '" + folder.string() +
                    "'; received none.");
  }
  std::sort(files.begin(), files.end());
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [number, path] = files[i];
    if (i > 0 && files[i - 1].first == number) {
      throw DataError("Flowers17('" + directory + "'): expected each image once; received image number " +
                      std::to_string(number) + " twice.");
    }
    if (number < 1 || number > kFlowers17NumImages) {
      throw DataError("Flowers17('" + path + "'): expected an image number in 1..1360; received " +
                      std::to_string(number) + ". Hint: this is not the 17-category archive.");
    }
  }
  if (options.require_all && static_cast<int64_t>(files.size()) != kFlowers17NumImages) {
    throw DataError("Flowers17('" + directory + "'): expected all 1360 images; received " +
                    std::to_string(files.size()) + ".");
  }
  ImageList list;
  const bool sorted = options.order == ClassOrder::Alphabetical;
  list.class_names = sorted ? flowers17_sorted_class_names() : flowers17_archive_class_names();
  for (const auto& [number, path] : files) {
    const int64_t archive = flowers17_archive_label(number);
    list.paths.push_back(path);
    list.labels.push_back(sorted ? flowers17_sorted_label(archive) : archive);
  }
  return list;
}

std::optional<std::string> find_flowers17(const std::string& project_dir) {
  std::vector<std::string> candidates;
  for (const char* var : {"PETAL_FLOWERS17_DIR", "PETAL_DATA"}) {
    if (const char* v = std::getenv(var); v && *v) candidates.emplace_back(v);
  }
  candidates.push_back("data/flowers17");
  candidates.push_back(project_dir + "/../shared/data/flowers17");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(c) / "jpg" / "image_0001.jpg", ec)) return c;
  }
  return std::nullopt;
}

}  // namespace petal
