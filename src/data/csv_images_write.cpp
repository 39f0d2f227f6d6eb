// write_csv_dataset: the tutorial's build_dataset step (split, decode, resize, write
// "label,p0,...,pN-1" rows), decoding in parallel chunks to bound memory.
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>

#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/data/csv_images.h"
#include "petal/data/split.h"

namespace petal {
namespace {

constexpr int64_t kChunk = 256;  // images decoded at once

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_for_writing(const std::string& path) {
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) {
    throw IoError("write_csv_dataset('" + path + "'): cannot create the file: " + std::strerror(errno) +
                  ". Hint: check that the folder exists and is writable.");
  }
  return f;
}

const std::array<std::string, 256>& decimal_strings() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> t;
    for (int i = 0; i < 256; ++i) {
      t[static_cast<size_t>(i)] = ',';  // built in two steps: GCC 12 warns (-Wrestrict) on "," + s
      t[static_cast<size_t>(i)] += std::to_string(i);
    }
    return t;
  }();
  return table;
}

// Decodes `indices` of `source` chunk by chunk and writes one row per kept image.
int64_t write_rows(const std::string& path, const ImageList& source, const std::vector<int64_t>& indices,
                   const CsvWriteOptions& options, ImageLoader& loader) {
  File f = open_for_writing(path);
  const auto& decimals = decimal_strings();
  int64_t rows = 0;
  std::string line;
  for (size_t begin = 0; begin < indices.size(); begin += kChunk) {
    const size_t end = std::min(indices.size(), begin + kChunk);
    std::vector<std::string> paths;
    for (size_t i = begin; i < end; ++i) paths.push_back(source.paths[static_cast<size_t>(indices[i])]);
    const LoadedImages loaded = load_images(paths, loader, options.threads);
    const int64_t row = loaded.x.empty() ? 0 : loaded.x.row_size();
    const int64_t channels = loaded.x.empty() ? 0 : loaded.x.dim(-1);
    for (size_t r = 0; r < loaded.kept.size(); ++r) {
      const int64_t label = source.labels[static_cast<size_t>(indices[begin + static_cast<size_t>(loaded.kept[r])])];
      line = options.integer_labels ? std::to_string(label) : source.class_names[static_cast<size_t>(label)];
      const float* px = loaded.x.data() + static_cast<int64_t>(r) * row;
      const bool swap = options.channel_order == ChannelOrder::Bgr && channels >= 3;
      for (int64_t i = 0; i < row; ++i) {
        const int64_t c = i % channels;
        const int64_t src = swap && c < 3 ? i - c + (2 - c) : i;
        line += decimals[static_cast<size_t>(px[src])];
      }
      line += '\n';
      if (std::fwrite(line.data(), 1, line.size(), f.get()) != line.size()) {
        throw IoError("write_csv_dataset('" + path + "'): write failed (disk full?).");
      }
      ++rows;
    }
  }
  if (std::fflush(f.get()) != 0) throw IoError("write_csv_dataset('" + path + "'): write failed (disk full?).");
  return rows;
}

void check(const ImageList& source, const CsvWriteOptions& options) {
  if (!options.decode.target_size) {
    throw ConfigError("write_csv_dataset: expected decode.target_size (every row must have one size); received none.");
  }
  if (options.train_path.empty() || (options.test_fraction > 0 && options.test_path.empty())) {
    throw ConfigError("write_csv_dataset: expected train_path and test_path; received '" + options.train_path +
                      "' and '" + options.test_path + "'.");
  }
  for (size_t i = 0; i < source.labels.size(); ++i) {
    if (source.labels[i] < 0 || source.labels[i] >= source.num_classes()) {
      throw DataError("write_csv_dataset: label " + std::to_string(source.labels[i]) + " of '" + source.paths[i] +
                      "' is outside the " + std::to_string(source.num_classes()) + " class names.");
    }
  }
  for (const std::string& name : source.class_names) {
    if (!options.integer_labels && (name.find(',') != std::string::npos || name.find('\n') != std::string::npos)) {
      throw ConfigError("write_csv_dataset: class name '" + name +
                        "' contains a comma or newline. Hint: set integer_labels = true.");
    }
  }
}

}  // namespace

CsvWriteReport write_csv_dataset(const ImageList& source, const CsvWriteOptions& options) {
  check(source, options);
  SplitIndices split;
  if (options.stratified) {
    split = stratified_split(source.labels, options.test_fraction, options.seed);
    Rng rng(options.seed);
    Rng train_rng = rng.fork(1), test_rng = rng.fork(2);
    train_rng.shuffle(std::span<int64_t>(split.train));
    test_rng.shuffle(std::span<int64_t>(split.test));
  } else {
    split = shuffled_split(source.size(), options.test_fraction, options.seed);
  }
  ImageLoader loader({.decode = options.decode,
                      .on_error = options.on_error,
                      .cache = options.cache,
                      .on_skip = options.on_skip});
  CsvWriteReport report;
  report.train_rows = write_rows(options.train_path, source, split.train, options, loader);
  if (options.test_fraction > 0) report.test_rows = write_rows(options.test_path, source, split.test, options, loader);
  report.skipped = loader.skipped();
  return report;
}

}  // namespace petal
