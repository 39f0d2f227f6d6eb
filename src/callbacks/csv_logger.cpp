// CSVLogger.
#include "petal/callbacks/csv_logger.h"

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <charconv>
#include <cmath>

#include "petal/core/error.h"
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

void CSVLogger::on_train_begin(Logs&) {
  header_needed_ = true;
  if (append_ && std::filesystem::exists(filename_) && std::filesystem::file_size(filename_) > 0) {
    header_needed_ = false;
  }
  out_.open(filename_, append_ ? std::ios::app : std::ios::trunc);
  if (!out_) {
    throw IoError("CSVLogger: cannot open '" + filename_.string() + "' for writing: " + std::strerror(errno) + ".");
  }
  keys_.clear();
}

void CSVLogger::on_epoch_end(int64_t epoch, Logs& logs) {
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

void CSVLogger::on_train_end(Logs&) { out_.close(); }

}  // namespace petal
