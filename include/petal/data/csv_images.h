// The tutorial's CSV of pixels: one row per image, "label,p0,...,p(H*W*C-1)" with
// uint8 values in HWC order. A batch reader (an endless Generator, or a finite
// eval pass) and a writer that builds such files from any image list.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "petal/data/image_list.h"
#include "petal/data/sequence.h"

namespace petal {

// Channel order of the pixel values in a file. petal writes RGB by default, like
// the rest of petal; the tutorial's files are BGR (cv2.imread).
enum class ChannelOrder { Rgb, Bgr };

// Train: every batch has batch_size rows; at end of file reading wraps to the first
// row in the middle of the batch (the tutorial's csv_image_generator, mode "train").
// Eval: the batch that reaches the end of file is partial and end_of_pass() turns
// true; the next call starts a new pass at the first row. (The tutorial's eval mode
// also drops the first row of the following pass; petal does not.)
enum class CsvMode { Train, Eval };

struct CsvReaderOptions {
  int64_t batch_size = 32;
  ImageSize image_size{64, 64};
  int64_t channels = 3;
  // Label i's name. Empty: csv_class_names(path). A row's label is looked up by
  // name; a label that is not a name but an integer in [0, K) is taken as an index.
  std::vector<std::string> class_names{};
  CsvMode mode = CsvMode::Train;
  // Order of the values in the file; batches always come out RGB(A).
  ChannelOrder file_order = ChannelOrder::Rgb;
};

// Reads batches {x [N, H, W, C] float 0..255, y one-hot [N, K]}. Bad rows (wrong
// value count, non-numeric or out-of-range value, unknown label) throw DataError
// naming the file and line. One reader serves one thread at a time (Generator rule).
class CsvImageReader final : public Generator {
 public:
  explicit CsvImageReader(std::string path, CsvReaderOptions options = {});

  Batch next() override;
  // Train mode: the row next() reads as if it had been called `batches` times
  // from the first row (wrapping around the file). False in eval mode.
  bool seek(int64_t batches) override;
  // Eval mode: the last next() reached the end of the file.
  bool end_of_pass() const { return end_of_pass_; }
  // Back to the first row.
  void rewind();
  // Every row once, in file order, as one batch; does not move next()'s position.
  Batch read_all();
  // Non-blank rows in the file (scans it once, then remembers).
  int64_t num_rows();

  const std::vector<std::string>& class_names() const { return options_.class_names; }
  const std::string& path() const { return path_; }

 private:
  bool next_line(std::string& line);
  void parse_row(const std::string& line, int64_t line_no, float* pixels, int64_t& label) const;
  Batch make_batch(Tensor x, const std::vector<int64_t>& labels) const;

  std::string path_;
  CsvReaderOptions options_;
  std::unordered_map<std::string, int64_t> index_of_;  // class name -> label
  std::ifstream in_;
  int64_t line_no_ = 0;  // of the line last read
  bool end_of_pass_ = false;
  bool has_lookahead_ = false;
  std::string lookahead_;
  int64_t lookahead_line_no_ = 0;
  int64_t num_rows_ = -1;
};

// The label set of a CSV (LabelBinarizer.fit): if every label is an integer >= 0,
// "0" .. "max"; otherwise the distinct labels sorted. Throws DataError for a
// missing or empty file, and for an integer label of kMaxCsvClasses or more.
inline constexpr int64_t kMaxCsvClasses = 100000;
std::vector<std::string> csv_class_names(const std::string& path);

struct CsvWriteOptions {
  std::string train_path{};  // e.g. ".../flowers17_training.csv"
  std::string test_path{};   // e.g. ".../flowers17_testing.csv"; unused when test_fraction == 0
  double test_fraction = 0.25;
  uint64_t seed = 42;
  // false: the tutorial's split (seeded shuffle, first floor(n * 0.75) train);
  // true: stratified_split, each list then shuffled with the seed.
  bool stratified = false;
  // target_size is required (the tutorial: 64x64, bilinear, full decode).
  DecodeOptions decode{.target_size = ImageSize{64, 64}};
  ChannelOrder channel_order = ChannelOrder::Rgb;
  bool integer_labels = false;  // write the label index instead of the class name
  OnError on_error = OnError::Raise;
  std::function<void(const SkippedFile&)> on_skip{};
  int threads = 1;
  ImageCache* cache = nullptr;
};

struct CsvWriteReport {
  int64_t train_rows = 0;
  int64_t test_rows = 0;
  std::vector<SkippedFile> skipped{};
};

// The tutorial's build_dataset: split, decode and resize each image, write one row
// per image. Throws IoError naming a file that cannot be written.
CsvWriteReport write_csv_dataset(const ImageList& source, const CsvWriteOptions& options);

}  // namespace petal
