// load_dataset: image layouts (Flowers-17, class folders) decoded into RAM and
// split; CSV layouts are in dataset_csv.cpp.
#include "petal/app/dataset.h"

#include <algorithm>
#include <filesystem>

#include "app/dataset_internal.h"
#include "petal/app/memory_estimate.h"
#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/data/flowers17.h"
#include "petal/data/image_folder.h"
#include "petal/data/image_list.h"
#include "petal/data/split.h"

namespace petal {

namespace fs = std::filesystem;

std::string bad_image_lines(const std::vector<SkippedFile>& bad, size_t max_lines) {
  std::string out;
  for (size_t i = 0; i < bad.size() && i < max_lines; ++i) out += "\n  " + bad[i].path + ": " + bad[i].reason;
  if (bad.size() > max_lines) out += "\n  ... and " + std::to_string(bad.size() - max_lines) + " more";
  return out;
}

Tensor one_hot(const std::vector<int64_t>& labels, int64_t k) {
  Tensor y({static_cast<int64_t>(labels.size()), k});
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= k) {
      throw DataError("one_hot: label " + std::to_string(labels[i]) + " is outside [0, " + std::to_string(k) + ").");
    }
    y[static_cast<int64_t>(i) * k + labels[i]] = 1.0f;
  }
  return y;
}

std::vector<int> argmax_rows(const Tensor& scores) {
  std::vector<int> out;
  if (scores.empty()) return out;
  const int64_t n = scores.dim(0), k = scores.row_size();
  for (int64_t i = 0; i < n; ++i) {
    const float* row = scores.data() + i * k;
    out.push_back(static_cast<int>(std::max_element(row, row + k) - row));
  }
  return out;
}

namespace detail {

std::vector<int64_t> labels_for_names(const std::vector<std::string>& data_names, const std::vector<int64_t>& labels,
                                      const std::vector<std::string>& wanted, const std::string& where) {
  if (wanted.empty()) return labels;
  std::vector<int64_t> map(data_names.size(), -1);
  for (size_t c = 0; c < data_names.size(); ++c) {
    const auto it = std::find(wanted.begin(), wanted.end(), data_names[c]);
    if (it != wanted.end()) map[c] = it - wanted.begin();
  }
  std::vector<int64_t> out;
  out.reserve(labels.size());
  for (int64_t l : labels) {
    if (map[static_cast<size_t>(l)] < 0) {
      std::string known;
      for (const auto& n : wanted) known += (known.empty() ? "" : ", ") + n;
      throw DataError(where + ": class '" + data_names[static_cast<size_t>(l)] +
                      "' is not one of the model's classes (" + known + ").");
    }
    out.push_back(map[static_cast<size_t>(l)]);
  }
  return out;
}

SplitIndices split_indices(const std::vector<int64_t>& labels, const DatasetOptions& o) {
  const int64_t n = static_cast<int64_t>(labels.size());
  if (!o.stratified) return shuffled_split(n, o.test_split, o.seed);
  SplitIndices s = stratified_split(labels, o.test_split, o.seed);
  Rng rng = Rng(o.seed).fork(0x5eed);
  rng.shuffle(std::span<int64_t>(s.train));
  rng.shuffle(std::span<int64_t>(s.test));
  return s;
}

}  // namespace detail

namespace {

// "decode_image('p'): why.\nHint: ..." -> "why": the path is printed beside it.
std::string reason_of(const SkippedFile& f) {
  std::string r = f.reason.substr(0, f.reason.find('\n'));
  const std::string prefix = "decode_image('" + f.path + "'): ";
  return r.rfind(prefix, 0) == 0 ? r.substr(prefix.size()) : r;
}

// Decodes a list into [N, H, W, 3] and one-hot labels (over `k` classes). Every
// file is tried, so that a refusal lists all the bad ones, not just the first.
void decode_list(const ImageList& list, const std::vector<int64_t>& labels, int64_t k, const DatasetOptions& o,
                 Tensor& x, Tensor& y, std::vector<std::string>& files, std::vector<SkippedFile>& bad) {
  LoaderOptions lo;
  lo.decode = DecodeOptions{.target_size = ImageSize{o.height, o.width}, .reduced_decode = o.fast_decode,
                            .max_pixels = o.max_image_pixels, .load_truncated = o.on_bad_image == "warn"};
  lo.on_error = OnError::Skip;
  lo.on_skip = [](const SkippedFile&) {};  // reported below, all together
  std::vector<SkippedFile> kept_truncated;
  lo.on_truncated = [&](const SkippedFile& f) { kept_truncated.push_back(f); };
  ImageLoader loader(lo);
  LabeledImages li = load_image_list(list, loader, std::max(1, o.threads));
  for (auto& f : li.skipped) bad.push_back({f.path, reason_of(f)});
  for (auto& f : kept_truncated) bad.push_back({f.path, f.reason});
  std::vector<int64_t> kept_labels;
  files.clear();
  for (int64_t i : li.kept) {
    kept_labels.push_back(labels[static_cast<size_t>(i)]);
    files.push_back(list.paths[static_cast<size_t>(i)]);
  }
  x = std::move(li.x);
  y = one_hot(kept_labels, k);
}

// The decoded images, float32 [N, H, W, 3], must fit before decoding starts.
void check_decode_memory(int64_t files, const DatasetOptions& o) {
  const std::string n = std::to_string(files), h = std::to_string(o.height), w = std::to_string(o.width);
  check_memory(4.0 * static_cast<double>(files) * static_cast<double>(o.height) * static_cast<double>(o.width) * 3.0,
               "decoding " + n + " images at " + h + "x" + w, "float32 [" + n + ", " + h + ", " + w + ", 3] in memory",
               "lower --image-size, or use fewer images.");
}

std::string first_existing(const fs::path& root, std::initializer_list<const char*> names) {
  std::error_code ec;
  for (const char* n : names) {
    if (fs::is_directory(root / n, ec)) return (root / n).string();
  }
  return {};
}

Dataset load_image_dataset(const DatasetOptions& o, DatasetLayout layout) {
  Dataset d;
  d.layout = layout;
  const std::string train_dir = first_existing(o.path, {"train", "training"});
  const std::string test_dir = first_existing(o.path, {"test", "testing", "val", "validation"});
  if (layout == DatasetLayout::ImageFolder && !train_dir.empty() && !test_dir.empty()) {
    d.predefined_split = true;
    ImageList train = list_image_folder(train_dir);
    ImageList test = list_image_folder(test_dir);
    d.class_names = o.class_names.empty() ? train.class_names : o.class_names;
    const int64_t k = static_cast<int64_t>(d.class_names.size());
    const auto where = "load_dataset('" + o.path + "')";
    check_decode_memory(train.size() + test.size(), o);
    decode_list(train, detail::labels_for_names(train.class_names, train.labels, d.class_names, where), k, o,
                d.train_x, d.train_y, d.train_files, d.bad_images);
    decode_list(test, detail::labels_for_names(test.class_names, test.labels, d.class_names, where), k, o, d.test_x,
                d.test_y, d.test_files, d.bad_images);
    d.ignored_files = train.ignored;
    d.ignored_files.insert(d.ignored_files.end(), test.ignored.begin(), test.ignored.end());
    d.description = "class folders with train/test sub-folders";
    return d;
  }
  const ImageList all = layout == DatasetLayout::Flowers17 ? list_flowers17(o.path) : list_image_folder(o.path);
  d.class_names = o.class_names.empty() ? all.class_names : o.class_names;
  const std::vector<int64_t> labels =
      detail::labels_for_names(all.class_names, all.labels, o.class_names, "load_dataset('" + o.path + "')");
  const SplitIndices s = detail::split_indices(labels, o);
  check_decode_memory(all.size(), o);
  const auto pick = [&](const std::vector<int64_t>& idx) {
    std::vector<int64_t> l;
    for (int64_t i : idx) l.push_back(labels[static_cast<size_t>(i)]);
    return l;
  };
  const int64_t k = static_cast<int64_t>(d.class_names.size());
  decode_list(all.subset(s.train), pick(s.train), k, o, d.train_x, d.train_y, d.train_files, d.bad_images);
  if (!s.test.empty()) {
    decode_list(all.subset(s.test), pick(s.test), k, o, d.test_x, d.test_y, d.test_files, d.bad_images);
  }
  d.ignored_files = all.ignored;
  d.description = layout == DatasetLayout::Flowers17 ? "Flowers-17 archive" : "class folders";
  return d;
}

}  // namespace

Dataset load_dataset(const DatasetOptions& o) {
  if (o.height < 1 || o.width < 1) {
    throw ConfigError("load_dataset: expected a positive image size; received " + std::to_string(o.height) + "x" +
                      std::to_string(o.width) + ".");
  }
  const DatasetLayout layout = require_layout(o.path);
  Dataset d = layout == DatasetLayout::CsvPixels ? detail::load_csv_dataset(o) : load_image_dataset(o, layout);
  d.description += ": " + std::to_string(d.num_train()) + " train + " + std::to_string(d.num_test()) + " test images, " +
                   std::to_string(d.num_classes()) + " classes, " + std::to_string(o.height) + "x" +
                   std::to_string(o.width);
  if (!d.bad_images.empty() && o.on_bad_image == "error") {
    throw DataError("load_dataset('" + o.path + "'): " + std::to_string(d.bad_images.size()) + " of " +
                    std::to_string(d.num_train() + d.num_test() + static_cast<int64_t>(d.bad_images.size())) +
                    " image files cannot be used:" + bad_image_lines(d.bad_images) +
                    "\nHint: fix or remove them, or pass --on-bad-image skip (leave them out) or warn (also keep "
                    "truncated images as far as they decode).");
  }
  if (d.num_classes() < 2) {
    throw DataError("load_dataset('" + o.path + "'): expected at least 2 classes to tell apart; received " +
                    std::to_string(d.num_classes()) + (d.num_classes() == 1 ? " ('" + d.class_names[0] + "')" : "") +
                    ".\nHint: a classifier needs one folder (or CSV label) per class.");
  }
  if (d.num_train() == 0) {
    throw DataError("load_dataset('" + o.path + "'): the training split is empty (" + std::to_string(d.num_test()) +
                    " test images).\nHint: lower --test-split or add images.");
  }
  return d;
}

}  // namespace petal
