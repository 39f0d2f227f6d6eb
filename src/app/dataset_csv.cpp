// load_dataset for the tutorial's CSV of pixel rows: one file (split here) or a
// training/testing pair (the split the file names give).
#include <algorithm>
#include <filesystem>

#include "app/dataset_internal.h"
#include "core/ascii.h"
#include "petal/core/error.h"

namespace petal::detail {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> csv_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::error_code ignored;
    if (e.is_regular_file(ignored) && ascii_lower(e.path().extension().string()) == ".csv") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

CsvReaderOptions reader_options(const DatasetOptions& o, std::vector<std::string> class_names) {
  return {.batch_size = 32,
          .image_size = {o.height, o.width},
          .channels = 3,
          .class_names = std::move(class_names),
          .mode = CsvMode::Eval,
          .file_order = o.csv_order};
}

Dataset load_single(const std::string& file, const DatasetOptions& o) {
  Dataset d;
  CsvImageReader reader(file, reader_options(o, o.class_names));
  Batch all = reader.read_all();
  d.class_names = reader.class_names();
  std::vector<int64_t> labels;
  const Tensor& x = all.x.front();
  const Tensor& y = all.y.front();
  for (int v : argmax_rows(y)) labels.push_back(v);
  const SplitIndices s = split_indices(labels, o);
  d.train_x = x.gather(s.train);
  d.train_y = y.gather(s.train);
  if (!s.test.empty()) {
    d.test_x = x.gather(s.test);
    d.test_y = y.gather(s.test);
  }
  d.description = "CSV of pixel rows '" + fs::path(file).filename().string() + "'";
  return d;
}

Dataset load_pair(const std::string& train, const std::string& test, const DatasetOptions& o) {
  Dataset d;
  d.predefined_split = true;
  d.class_names = o.class_names.empty() ? csv_class_names(train) : o.class_names;
  Batch t = CsvImageReader(test, reader_options(o, d.class_names)).read_all();
  d.test_x = std::move(t.x.front());
  d.test_y = std::move(t.y.front());
  CsvImageReader train_reader(train, reader_options(o, d.class_names));
  if (o.stream_train_csv) {
    d.train_csv = train;
    d.train_csv_rows = train_reader.num_rows();
  } else {
    Batch b = train_reader.read_all();
    d.train_x = std::move(b.x.front());
    d.train_y = std::move(b.y.front());
  }
  d.description = "CSV pair '" + fs::path(train).filename().string() + "' + '" + fs::path(test).filename().string() +
                  "'" + (o.stream_train_csv ? " (training rows streamed)" : "");
  return d;
}

}  // namespace

Dataset load_csv_dataset(const DatasetOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.path, ec)) {
    Dataset d = load_single(o.path, o);
    d.layout = DatasetLayout::CsvPixels;
    return d;
  }
  const std::vector<fs::path> files = csv_files(o.path);
  std::vector<fs::path> train, test;
  for (const auto& f : files) {
    const std::string name = ascii_lower(f.filename().string());
    if (name.find("train") != std::string::npos) train.push_back(f);
    else if (name.find("test") != std::string::npos) test.push_back(f);
  }
  Dataset d;
  if (train.size() == 1 && test.size() == 1) {
    d = load_pair(train[0].string(), test[0].string(), o);
  } else if (files.size() == 1) {
    d = load_single(files[0].string(), o);
  } else {
    std::string list;
    for (const auto& f : files) list += (list.empty() ? "" : ", ") + f.filename().string();
    throw DataError("load_dataset('" + o.path + "'): expected one CSV file, or one *train*.csv and one *test*.csv; "
                    "received " + list + ".\nHint: pass the CSV file itself with --data.");
  }
  d.layout = DatasetLayout::CsvPixels;
  return d;
}

}  // namespace petal::detail
