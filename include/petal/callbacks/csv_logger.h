// CSVLogger: one row per epoch (epoch, then the sorted log keys), flushed each
// time; NA for values missing after an early stop (Keras 2.2.4).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "petal/callbacks/callback.h"

namespace petal {

class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::filesystem::path filename, char separator = ',', bool append = false);
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;

 private:
  std::filesystem::path filename_;
  char separator_;
  bool append_;
  bool header_needed_ = true;
  std::vector<std::string> keys_;
  std::ofstream out_;
};

// Shortest decimal text that reads back as the same double (Python's repr).
std::string format_double(double v);

}  // namespace petal
