// RunPaths, RunLog and RunRecorder.
#include "petal/app/run_dir.h"

#include <cerrno>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "app/config_parse.h"
#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/model/sequential.h"
#include "petal/report/history_csv.h"

namespace petal {

std::filesystem::path RunPaths::checkpoint(int64_t epoch) const {
  char name[32];
  std::snprintf(name, sizeof name, "epoch_%03lld.petal", static_cast<long long>(epoch));
  return dir / "checkpoints" / name;
}

const std::vector<std::string>& history_columns() {
  static const std::vector<std::string> cols = {"loss", "accuracy", "val_loss", "val_accuracy", "lr"};
  return cols;
}

RunLog::RunLog(const std::filesystem::path& path, std::ostream* echo, bool append) : echo_(echo) {
  if (path.empty()) return;  // no file (the other ranks of a distributed run)
  file_.open(path, append ? std::ios::app : std::ios::trunc);
  if (!file_) {
    throw IoError("train.log '" + path.string() + "': cannot open the file for writing: " + std::strerror(errno) + ".");
  }
}

void RunLog::file_line(const std::string& raw) {
  if (!file_.is_open()) return;
  const std::string text = sanitize_message(raw);
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  file_ << stamp << "  " << text << "\n";
  file_.flush();
}

void RunLog::line(const std::string& text) {
  file_line(text);
  if (echo_) *echo_ << sanitize_message(text) << std::endl;
}

RunRecorder::RunRecorder(RunPaths paths, RunRecorderOptions options)
    : paths_(std::move(paths)),
      options_(std::move(options)),
      monitor_(options_.monitor, MonitorMode::Auto),
      history_(options_.history),
      best_(monitor_.worst()) {
  // A resumed run keeps the best of its earlier epochs.
  if (const auto it = history_.find(options_.monitor); it != history_.end()) {
    for (size_t e = 0; e < it->second.size(); ++e) {
      if (std::isfinite(it->second[e]) && monitor_.improved(it->second[e], best_)) {
        best_ = it->second[e];
        best_epoch_ = static_cast<int64_t>(e);
      }
    }
  }
}

void RunRecorder::on_train_begin(Logs&) {
  if (options_.checkpoint_every > 0) std::filesystem::create_directories(paths_.dir / "checkpoints");
}

void RunRecorder::on_epoch_begin(int64_t, Logs&) { epoch_start_ = std::chrono::steady_clock::now(); }

int64_t RunRecorder::epochs_recorded() const {
  const auto it = history_.find("loss");
  return it == history_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

void RunRecorder::on_epoch_end(int64_t epoch, Logs& logs) {
  if (discard_ && discard_()) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
  logs.set("lr", model_->optimizer().effective_learning_rate());
  const size_t n = static_cast<size_t>(epoch);
  for (const auto& key : history_columns()) {
    auto& series = history_[key];
    series.resize(n, std::nan(""));
    series.push_back(logs.get(key).value_or(std::nan("")));
  }
  write_history_csv(paths_.history(), history_, history_columns());
  model_->save(paths_.model_last());
  const auto current = logs.get(options_.monitor);
  bool best = false;
  if (current && std::isfinite(*current) && monitor_.improved(*current, best_)) {
    best_ = *current;
    best_epoch_ = epoch;
    model_->save(paths_.model());
    best = true;
  }
  if (options_.checkpoint_every > 0 && (epoch + 1) % options_.checkpoint_every == 0) {
    model_->save(paths_.checkpoint(epoch + 1));
  }
  if (options_.log) {
    std::string text = "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(params_.epochs) + " - ";
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1fs", seconds);
    text += secs;
    for (const auto& key : history_columns()) {
      if (const auto v = logs.get(key)) {
        char buf[64];
        // Keras's Progbar format: %.4f, or %.4e for small values.
        const char* fmt = key == "lr" ? " - %s: %.4g" : std::fabs(*v) > 1e-3 ? " - %s: %.4f" : " - %s: %.4e";
        std::snprintf(buf, sizeof buf, fmt, key.c_str(), *v);
        text += buf;
      }
    }
    if (best) text += " - saved model.petal (best " + options_.monitor + ")";
    options_.log->file_line(text);
  }
}

}  // namespace petal
