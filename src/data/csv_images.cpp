// CsvImageReader: line-by-line parsing of pixel rows into one-hot labelled batches,
// with the tutorial's wrap-around (train) and partial-last-batch (eval) modes.
#include "petal/data/csv_images.h"

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <set>

#include "petal/core/error.h"
#include "petal/core/text_escape.h"

namespace petal {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string trim(const char* b, const char* e) {
  while (b < e && is_space(*b)) ++b;
  while (e > b && is_space(e[-1])) --e;
  return std::string(b, e);
}

bool is_blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return is_space(c); });
}

// Non-negative integer, or -1.
int64_t parse_index(const std::string& s) {
  if (s.empty() || s.size() > 18) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string quote_token(const char* b, const char* e) {
  const char* end = std::find(b, e, ',');
  // Escaped: a binary file must not send control bytes to the terminal.
  return "'" + escape_text(std::string_view(b, static_cast<size_t>(end - b)), 20) + "'";
}

}  // namespace

CsvImageReader::CsvImageReader(std::string path, CsvReaderOptions options)
    : path_(std::move(path)), options_(std::move(options)) {
  const std::string who = "CsvImageReader('" + path_ + "')";
  if (options_.batch_size < 1 || options_.image_size.height < 1 || options_.image_size.width < 1 ||
      options_.channels < 1) {
    throw ConfigError(who + ": expected batch_size, image height, width and channels >= 1; received " +
                      std::to_string(options_.batch_size) + ", " + std::to_string(options_.image_size.height) +
                      ", " + std::to_string(options_.image_size.width) + ", " + std::to_string(options_.channels) +
                      ".");
  }
  if (options_.class_names.empty()) options_.class_names = csv_class_names(path_);
  for (size_t i = 0; i < options_.class_names.size(); ++i) {
    index_of_.emplace(options_.class_names[i], static_cast<int64_t>(i));
  }
  in_.open(path_, std::ios::binary);
  if (!in_) throw DataError(who + ": cannot open the file: " + std::strerror(errno) + ".");
}

void CsvImageReader::rewind() {
  in_.clear();
  in_.seekg(0);
  line_no_ = 0;
  has_lookahead_ = false;
  end_of_pass_ = false;
}

bool CsvImageReader::next_line(std::string& line) {
  if (has_lookahead_) {
    has_lookahead_ = false;
    line.swap(lookahead_);
    line_no_ = lookahead_line_no_;
    return true;
  }
  while (std::getline(in_, line)) {
    ++line_no_;
    if (!is_blank(line)) return true;
  }
  return false;
}

void CsvImageReader::parse_row(const std::string& line, int64_t line_no, float* pixels, int64_t& label) const {
  const std::string where = "CsvImageReader('" + path_ + "'), line " + std::to_string(line_no);
  const int64_t n = options_.image_size.height * options_.image_size.width * options_.channels;
  const char* p = line.data();
  const char* e = p + line.size();
  const char* comma = std::find(p, e, ',');
  if (comma == e) {
    throw DataError(where + ": expected 'label,p0,...,p" + std::to_string(n - 1) + "'; received a line with no comma.");
  }
  const std::string name = trim(p, comma);
  const auto it = index_of_.find(name);
  label = it != index_of_.end() ? it->second : parse_index(name);
  if (label < 0 || label >= static_cast<int64_t>(options_.class_names.size())) {
    throw DataError(where + ": expected a label among the " + std::to_string(options_.class_names.size()) +
                    " class names or an index 0.." + std::to_string(options_.class_names.size() - 1) +
                    "; received '" + escape_text(name, 40) +
                    "'. Hint: pass the training file's class_names to the test reader.");
  }
  int64_t count = 0;
  for (p = comma + 1;; ++p) {
    while (p < e && is_space(*p)) ++p;
    const char* start = p;
    int value = 0;
    while (p < e && *p >= '0' && *p <= '9' && value <= 255) value = value * 10 + (*p++ - '0');
    if (p < e && *p == '.') {  // accept "12.0"
      ++p;
      while (p < e && *p == '0') ++p;
    }
    while (p < e && is_space(*p)) ++p;
    const bool numeric = p > start && *start != '.' && (p == e || *p == ',');
    if (!numeric || value > 255) {
      throw DataError(where + ", value " + std::to_string(count + 1) + ": expected an integer 0..255; received " +
                      quote_token(start, e) + ".");
    }
    if (count < n) pixels[count] = static_cast<float>(value);
    ++count;
    if (p == e) break;
  }
  if (count != n) {
    throw DataError(where + ": expected " + std::to_string(n) + " pixel values after the label (" +
                    std::to_string(options_.image_size.height) + "x" + std::to_string(options_.image_size.width) +
                    "x" + std::to_string(options_.channels) + "); received " + std::to_string(count) + ".");
  }
  if (options_.file_order == ChannelOrder::Bgr && options_.channels >= 3) {
    for (int64_t i = 0; i < n; i += options_.channels) std::swap(pixels[i], pixels[i + 2]);
  }
}

Batch CsvImageReader::make_batch(Tensor x, const std::vector<int64_t>& labels) const {
  const auto rows = static_cast<int64_t>(labels.size());
  const auto k = static_cast<int64_t>(options_.class_names.size());
  Batch batch;
  batch.x = rows == x.dim(0) ? std::move(x) : x.slice(0, rows);
  Tensor y({rows, k});
  for (int64_t r = 0; r < rows; ++r) y[r * k + labels[static_cast<size_t>(r)]] = 1.0f;
  batch.y = std::move(y);
  return batch;
}

Batch CsvImageReader::next() {
  const int64_t row = options_.image_size.height * options_.image_size.width * options_.channels;
  if (end_of_pass_) rewind();
  // [batch_size, H, W, C], filled row by row; a partial eval batch is sliced.
  Tensor x({options_.batch_size, options_.image_size.height, options_.image_size.width, options_.channels});
  std::vector<int64_t> labels;
  std::string line;
  while (static_cast<int64_t>(labels.size()) < options_.batch_size) {
    if (!next_line(line)) {
      if (options_.mode == CsvMode::Eval) break;
      rewind();  // train: wrap to the first row mid-batch, as the tutorial
      if (!next_line(line)) break;
    }
    int64_t label = 0;
    parse_row(line, line_no_, x.data() + static_cast<int64_t>(labels.size()) * row, label);
    labels.push_back(label);
  }
  if (labels.empty()) {
    throw DataError("CsvImageReader('" + path_ + "'): expected at least one row; the file has none.");
  }
  if (options_.mode == CsvMode::Eval) {
    // Peek so the batch that ends exactly at end of file also reports end_of_pass.
    if (next_line(lookahead_)) {
      has_lookahead_ = true;
      lookahead_line_no_ = line_no_;
    } else {
      end_of_pass_ = true;
    }
  }
  return make_batch(std::move(x), labels);
}

bool CsvImageReader::seek(int64_t batches) {
  if (options_.mode != CsvMode::Train) return false;
  if (batches < 0) throw ConfigError("CsvImageReader('" + path_ + "'): cannot seek to batch " + std::to_string(batches) + "; expected >= 0.");
  const int64_t rows = num_rows();
  rewind();
  if (rows == 0) return true;
  // (batches * batch_size) % rows without overflow
  const auto r = static_cast<uint64_t>(rows);  // (batches * batch_size) % rows, without overflow for rows < 2^32
  const auto skip = static_cast<int64_t>((static_cast<uint64_t>(batches) % r) *
                                         (static_cast<uint64_t>(options_.batch_size) % r) % r);
  std::string line;
  for (int64_t i = 0; i < skip && next_line(line); ++i) {
  }
  return true;
}

Batch CsvImageReader::read_all() {
  CsvReaderOptions options = options_;
  options.mode = CsvMode::Eval;
  options.batch_size = std::max<int64_t>(num_rows(), 1);
  CsvImageReader whole(path_, options);
  return whole.next();
}

int64_t CsvImageReader::num_rows() {
  if (num_rows_ >= 0) return num_rows_;
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw DataError("CsvImageReader('" + path_ + "'): cannot open the file: " + std::strerror(errno) + ".");
  std::string line;
  int64_t rows = 0;
  while (std::getline(in, line)) rows += is_blank(line) ? 0 : 1;
  num_rows_ = rows;
  return rows;
}

std::vector<std::string> csv_class_names(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("csv_class_names('" + path + "'): cannot open the file: " + std::strerror(errno) + ".");
  std::set<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (is_blank(line)) continue;
    const size_t comma = line.find(',');
    names.insert(trim(line.data(), line.data() + (comma == std::string::npos ? line.size() : comma)));
  }
  if (names.empty()) throw DataError("csv_class_names('" + path + "'): expected labelled rows; the file has none.");
  int64_t max_index = -1;
  for (const std::string& name : names) {
    const int64_t index = parse_index(name);
    if (index < 0) return {names.begin(), names.end()};
    max_index = std::max(max_index, index);
  }
  // Found by fuzz_csv: one row labelled 1505080 made 1.5 million classes (and
  // 999999999999999999 would never end). Integer labels index classes densely.
  if (max_index >= kMaxCsvClasses) {
    throw DataError("csv_class_names('" + path + "'): integer labels are class indices 0..K-1; received label " +
                    std::to_string(max_index) + ", which would make " + std::to_string(max_index + 1) +
                    " classes (at most " + std::to_string(kMaxCsvClasses) + " from " + std::to_string(names.size()) +
                    " distinct labels).\nHint: number the classes from 0, or label rows by name.");
  }
  std::vector<std::string> numbered;
  for (int64_t i = 0; i <= max_index; ++i) numbered.push_back(std::to_string(i));
  return numbered;
}

}  // namespace petal
