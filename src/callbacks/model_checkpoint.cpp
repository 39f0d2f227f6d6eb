// ModelCheckpoint and its file-name templates.
#include "petal/callbacks/model_checkpoint.h"

#include <cstdio>
#include <iostream>

#include "petal/core/error.h"
#include "petal/model/sequential.h"

namespace petal {

namespace {

std::string format_value(const std::string& key, double value, bool integral, const std::string& spec) {
  if (spec.empty()) {
    if (integral) return std::to_string(static_cast<long long>(value));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    return buf;
  }
  const char type = spec.back();
  if (std::string("dfeEgGs").find(type) == std::string::npos) {
    throw ConfigError("ModelCheckpoint: unsupported format spec '" + spec + "' for {" + key +
                      "}; expected [0][width][.precision] followed by d, f, e, g or s.");
  }
  const std::string flags = spec.substr(0, spec.size() - 1);
  for (char c : flags) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) {
      throw ConfigError("ModelCheckpoint: unsupported format spec '" + spec + "' for {" + key + "}.");
    }
  }
  char buf[128];
  if (type == 'd') {
    std::snprintf(buf, sizeof buf, ("%" + flags + "lld").c_str(), static_cast<long long>(value));
  } else {
    const char t = type == 's' ? 'g' : type;
    std::snprintf(buf, sizeof buf, ("%" + flags + t).c_str(), value);
  }
  return buf;
}

}  // namespace

std::string format_filepath(const std::string& pattern, int64_t epoch, const Logs& logs) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if ((c == '{' || c == '}') && i + 1 < pattern.size() && pattern[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = pattern.find('}', i);
    if (close == std::string::npos) throw ConfigError("ModelCheckpoint: unbalanced '{' in '" + pattern + "'.");
    const std::string field = pattern.substr(i + 1, close - i - 1);
    const size_t colon = field.find(':');
    const std::string key = field.substr(0, colon);
    const std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    if (key == "epoch") {
      out += format_value(key, static_cast<double>(epoch), true, spec);
    } else if (const auto v = logs.get(key)) {
      out += format_value(key, *v, false, spec);
    } else {
      std::string have = "epoch";
      for (const auto& k : logs.keys()) have += ", " + k;
      throw ConfigError("ModelCheckpoint: the file name '" + pattern + "' uses {" + key +
                        "}, which this epoch's logs do not have; available: " + have + ".");
    }
    i = close;
  }
  return out;
}

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options)
    : options_(std::move(options)), monitor_(options_.monitor, options_.mode), best_(monitor_.worst()) {
  if (options_.filepath.empty()) throw ConfigError("ModelCheckpoint: expected a filepath; received an empty one.");
  if (options_.period < 1) throw ConfigError("ModelCheckpoint: expected period >= 1.");
}

void ModelCheckpoint::on_train_begin(Logs&) { since_last_save_ = 0; }

CallbackState ModelCheckpoint::state() const {
  return {.values = {{"best", best_}, {"since_last_save", static_cast<double>(since_last_save_)}}};
}

void ModelCheckpoint::restore(const CallbackState& s) {
  best_ = s.value("best", best_);
  since_last_save_ = static_cast<int64_t>(s.value("since_last_save", 0));
}

void ModelCheckpoint::on_epoch_end(int64_t epoch, Logs& logs) {
  if (++since_last_save_ < options_.period) return;
  since_last_save_ = 0;
  const std::string path = format_filepath(options_.filepath, epoch + 1, logs);
  auto save = [&] {
    if (options_.save_weights_only) {
      model_->save_weights(path);
    } else {
      model_->save(path);
    }
  };
  const long long e = epoch + 1;
  if (!options_.save_best_only) {
    if (options_.verbose > 0) std::printf("\nEpoch %05lld: saving model to %s\n", e, path.c_str());
    save();
    return;
  }
  const auto current = logs.get(options_.monitor);
  if (!current) {
    std::cerr << "ModelCheckpoint: can save best model only with " << options_.monitor << " available, skipping.\n";
    return;
  }
  if (monitor_.improved(*current, best_)) {
    if (options_.verbose > 0) {
      std::printf("\nEpoch %05lld: %s improved from %0.5f to %0.5f, saving model to %s\n", e,
                  options_.monitor.c_str(), best_, *current, path.c_str());
    }
    best_ = *current;
    save();
  } else if (options_.verbose > 0) {
    std::printf("\nEpoch %05lld: %s did not improve from %0.5f\n", e, options_.monitor.c_str(), best_);
  }
}

}  // namespace petal
