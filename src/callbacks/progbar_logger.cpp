// Progress bar in Keras 2's format.
#include "petal/callbacks/progbar_logger.h"

#include <unistd.h>

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace petal {

Progbar::Progbar(int64_t target, int verbose, std::ostream& out, bool dynamic, int width)
    : target_(target), verbose_(verbose), out_(out), dynamic_(dynamic), width_(width),
      start_(std::chrono::steady_clock::now()), last_update_(start_ - std::chrono::seconds(1)) {}

std::string Progbar::format_metric(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, std::fabs(v) > 1e-3 ? " %.4f" : " %.4e", v);
  return buf;
}

std::string Progbar::bar(int64_t current) const {
  const int digits = static_cast<int>(std::floor(std::log10(static_cast<double>(std::max<int64_t>(target_, 1))))) + 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*lld/%lld [", digits, static_cast<long long>(current),
                static_cast<long long>(target_));
  std::string s = buf;
  const int prog = static_cast<int>(width_ * static_cast<double>(current) / static_cast<double>(target_));
  if (prog > 0) {
    s.append(static_cast<size_t>(prog - 1), '=');
    s += current < target_ ? '>' : '=';
  }
  s.append(static_cast<size_t>(std::max(0, width_ - prog)), '.');
  return s + "]";
}

void Progbar::update(int64_t current, const std::vector<std::pair<std::string, double>>& values,
                     const std::vector<std::pair<std::string, double>>& finals) {
  const double w = static_cast<double>(current - seen_);
  for (const auto& [k, v] : values) {
    const std::string& key = k;  // Clang < 16 cannot capture a structured binding (the fuzz build)
    auto it = std::find_if(sums_.begin(), sums_.end(), [&](const auto& e) { return e.first == key; });
    if (it == sums_.end()) {
      sums_.push_back({k, {v * w, w}});
    } else {
      it->second.first += v * w;
      it->second.second += w;
    }
  }
  seen_ = current;
  const auto now = std::chrono::steady_clock::now();
  const bool done = current >= target_;
  if (verbose_ == 1 && !done && now - last_update_ < std::chrono::milliseconds(50)) return;
  last_update_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double per_unit = current ? elapsed / static_cast<double>(current) : 0.0;
  char buf[96];
  std::string info;
  if (verbose_ == 1 && !done) {
    const double eta = per_unit * static_cast<double>(target_ - current);
    const auto e = static_cast<long long>(eta);
    if (eta > 3600) std::snprintf(buf, sizeof buf, " - ETA: %lld:%02lld:%02lld", e / 3600, (e % 3600) / 60, e % 60);
    else if (eta > 60) std::snprintf(buf, sizeof buf, " - ETA: %lld:%02lld", e / 60, e % 60);
    else std::snprintf(buf, sizeof buf, " - ETA: %llds", e);
    info = buf;
  } else {
    std::snprintf(buf, sizeof buf, " - %.0fs", elapsed);
    info = buf;
    if (verbose_ == 1) {
      if (per_unit >= 1) std::snprintf(buf, sizeof buf, " %.0fs/step", per_unit);
      else if (per_unit >= 1e-3) std::snprintf(buf, sizeof buf, " %.0fms/step", per_unit * 1e3);
      else std::snprintf(buf, sizeof buf, " %.0fus/step", per_unit * 1e6);
      info += buf;
    }
  }
  auto shown = [&](const std::string& k) {
    return std::any_of(finals.begin(), finals.end(), [&](const auto& f) { return f.first == k; });
  };
  for (const auto& [k, sw] : sums_) {
    if (!shown(k)) info += " - " + k + ":" + format_metric(sw.first / std::max(1.0, sw.second));
  }
  for (const auto& [k, v] : finals) info += " - " + k + ":" + format_metric(v);
  if (verbose_ == 2) {
    if (done) out_ << info << "\n" << std::flush;
    return;
  }
  const std::string line = bar(current) + info;
  if (dynamic_) {
    out_ << "\r" << line;
    if (line.size() < total_width_) out_ << std::string(total_width_ - line.size(), ' ');
  } else {
    out_ << line;
  }
  total_width_ = line.size();
  out_ << (done || !dynamic_ ? "\n" : "") << std::flush;
}

ProgbarLogger::ProgbarLogger(ProgbarLoggerOptions options) : options_(options) {
  if (!options_.out) options_.out = &std::cout;
  if (options_.dynamic < 0) options_.dynamic = options_.out == &std::cout && isatty(STDOUT_FILENO) ? 1 : 0;
}

void ProgbarLogger::on_train_begin(Logs&) { verbose_ = params_.verbose; }

void ProgbarLogger::on_epoch_begin(int64_t epoch, Logs&) {
  seen_ = 0;
  if (!verbose_) return;
  *options_.out << "Epoch " << epoch + 1 << "/" << params_.epochs << "\n" << std::flush;
  target_ = options_.count_steps ? params_.steps : params_.samples;
  bar_ = std::make_unique<Progbar>(target_, verbose_, *options_.out, options_.dynamic == 1);
}

void ProgbarLogger::on_train_batch_end(int64_t, Logs& logs) {
  seen_ += options_.count_steps ? 1 : static_cast<int64_t>(logs.get("size").value_or(0));
  if (!verbose_ || seen_ >= target_) return;  // the last update comes with the epoch's logs
  std::vector<std::pair<std::string, double>> values;
  for (const auto& k : params_.metrics) {
    if (auto v = logs.get(k)) values.emplace_back(k, *v);
  }
  bar_->update(seen_, values);
}

void ProgbarLogger::on_epoch_end(int64_t, Logs& logs) {
  if (!verbose_ || !bar_) return;
  std::vector<std::pair<std::string, double>> finals;
  for (const auto& k : params_.metrics) {
    if (auto v = logs.get(k)) finals.emplace_back(k, *v);
  }
  bar_->update(std::max(seen_, target_), {}, finals);
}

}  // namespace petal
