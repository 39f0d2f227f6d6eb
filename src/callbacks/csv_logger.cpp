// CSVLogger.
#include "petal/callbacks/csv_logger.h"

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <charconv>
#include <cmath>

#include "petal/core/error.h"
#include "petal/io/atomic_file.h"
#include "petal/model/sequential.h"

namespace petal {

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

CSVLogger::CSVLogger(std::filesystem::path filename, char separator, bool append)
    : filename_(std::move(filename)), separator_(separator), append_(append) {}

// The file is opened at the first epoch's end (or at train end when no epoch
// ended), once restore() has had its say.
void CSVLogger::on_train_begin(Logs&) {
  resumed_ = false;
  keys_.clear();
  if (out_.is_open()) out_.close();
}

void CSVLogger::open() {
  if (out_.is_open()) out_.close();
  std::error_code ec;
  header_needed_ = !(append_ || resumed_) || !std::filesystem::exists(filename_, ec) ||
                   std::filesystem::file_size(filename_, ec) == 0;
  out_.open(filename_, append_ || resumed_ ? std::ios::app : std::ios::trunc);
  if (!out_) {
    throw IoError("CSVLogger: cannot open '" + filename_.string() + "' for writing: " + std::strerror(errno) + ".");
  }
}

void CSVLogger::restore(const CallbackState&) {
  const int64_t epochs = model_ ? model_->epochs_completed() : 0;
  std::ifstream in(filename_, std::ios::binary);
  std::string line, kept;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      kept += line + "\n";
      header = false;
      continue;
    }
    int64_t epoch = -1;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), epoch);
    if (ec == std::errc() && (end == line.data() + line.size() || *end == separator_) && epoch >= 0 && epoch < epochs) {
      kept += line + "\n";
    }
  }
  in.close();
  if (!kept.empty()) write_file_atomically(filename_, kept);
  resumed_ = true;
}

void CSVLogger::on_epoch_end(int64_t epoch, Logs& logs) {
  if (!out_.is_open()) open();
  if (keys_.empty()) {
    keys_ = logs.keys();
    std::sort(keys_.begin(), keys_.end());
    if (header_needed_) {
      out_ << "epoch";
      for (const auto& k : keys_) out_ << separator_ << k;
      out_ << "\n";
    }
  }
  out_ << epoch;
  for (const auto& k : keys_) {
    const auto v = logs.get(k);
    out_ << separator_ << (v ? format_double(*v) : std::string("NA"));
  }
  out_ << "\n";
  out_.flush();
  if (!out_) throw IoError("CSVLogger: writing '" + filename_.string() + "' failed.");
}

void CSVLogger::on_train_end(Logs&) {
  if (!out_.is_open()) open();
  out_.close();
}

}  // namespace petal
