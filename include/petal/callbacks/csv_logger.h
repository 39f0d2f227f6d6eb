// CSVLogger: one row per epoch (epoch, then the sorted log keys), flushed each
// time; NA for values missing after an early stop (Keras 2.2.4). Resumed, it keeps
// the rows of the epochs the model completed and appends after them.
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
  // Resuming at epoch E keeps the header and the rows of epochs < E (rows a kill
  // left after the saved model are dropped) and appends the next ones.
  std::string state_key() const override { return "CSVLogger"; }
  CallbackState state() const override { return {}; }
  void restore(const CallbackState& state) override;

 private:
  void open();

  std::filesystem::path filename_;
  char separator_;
  bool append_;
  bool header_needed_ = true;
  bool resumed_ = false;
  std::vector<std::string> keys_;
  std::ofstream out_;
};

// Shortest decimal text that reads back as the same double (Python's repr).
std::string format_double(double v);

}  // namespace petal
