// The trainer's data: a dataset in any layout detect_layout knows, decoded into
// RAM and split into train and test arrays (or, for the tutorial's CSV pair, a
// training file to stream and test arrays).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "petal/core/tensor.h"
#include "petal/data/csv_images.h"
#include "petal/data/dataset_layout.h"
#include "petal/data/image_io.h"
#include "petal/data/image_loader.h"

namespace petal {

struct DatasetOptions {
  std::string path = {};
  int64_t height = 64, width = 64;  // every image is resized to this (bilinear, no aspect kept)
  bool fast_decode = true;          // DecodeOptions::reduced_decode
  ChannelOrder csv_order = ChannelOrder::Rgb;
  // Split of a dataset that has none of its own (Flowers-17, one class-folder
  // tree, one CSV): shuffled_split (the tutorial's) or stratified_split, then
  // each side shuffled with the seed.
  double test_split = 0.25;
  bool stratified = false;
  uint64_t seed = 0;
  int threads = 1;  // decoding threads
  // With a training/testing CSV pair, leave the training rows in the file
  // (Dataset::train_csv) for a streaming reader instead of decoding them.
  bool stream_train_csv = false;
  // When set, label i is class_names[i] (a trained model's classes) and an
  // image of any other class throws DataError. Else the data's own classes.
  std::vector<std::string> class_names = {};
  // Refuse image headers declaring more pixels (0: OpenCV's limit only).
  int64_t max_image_pixels = kDefaultMaxImagePixels;
  // What an image file that cannot be used does: "error" stops, naming every
  // such file; "skip" leaves them out; "warn" also keeps truncated JPEGs and
  // PNGs as far as they decode (Pillow's LOAD_TRUNCATED_IMAGES).
  std::string on_bad_image = "error";
};

struct Dataset {
  DatasetLayout layout = DatasetLayout::Unknown;
  std::string description = {};  // one line for logs: layout, image and class counts
  std::vector<std::string> class_names = {};
  Tensor train_x = {}, train_y = {};  // [N, H, W, 3] pixels 0..255, one-hot [N, K]
  Tensor test_x = {}, test_y = {};
  std::vector<std::string> train_files = {}, test_files = {};  // image per row (empty for CSV rows)
  bool predefined_split = false;  // train/test came from the data (folders or CSV pair)
  std::string train_csv = {};     // set when the training rows are streamed
  int64_t train_csv_rows = 0;
  // Image files left out (on_bad_image skip/warn) or kept truncated (warn), with why.
  std::vector<SkippedFile> bad_images = {};
  // Files in the class folders that are not images petal reads (by extension).
  std::vector<std::string> ignored_files = {};

  int64_t num_train() const { return train_csv.empty() ? (train_x.empty() ? 0 : train_x.dim(0)) : train_csv_rows; }
  int64_t num_test() const { return test_x.empty() ? 0 : test_x.dim(0); }
  int64_t num_classes() const { return static_cast<int64_t>(class_names.size()); }
};

// Recognised layouts (DataError naming the path for anything else):
//   Flowers-17 archive (jpg/image_NNNN.jpg), labels in alphabetical class order;
//   class folders DIR/<class>/**/<image>, or DIR/train/<class>/... with
//     DIR/test (or testing, val, validation)/<class>/... as a predefined split;
//   a CSV of pixel rows (one file, split here), or a folder holding a
//     *train*.csv and a *test*.csv (the tutorial's flowers17_training.csv and
//     flowers17_testing.csv) as a predefined split.
Dataset load_dataset(const DatasetOptions& options);

// "\n  <path>: <reason>" per file, at most `max_lines`, then a count of the rest.
std::string bad_image_lines(const std::vector<SkippedFile>& bad, size_t max_lines = 20);

// One-hot [N, K] from labels in [0, K).
Tensor one_hot(const std::vector<int64_t>& labels, int64_t num_classes);
// Row-wise argmax of [N, K].
std::vector<int> argmax_rows(const Tensor& scores);

}  // namespace petal
