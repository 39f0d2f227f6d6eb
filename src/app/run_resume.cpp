// --resume's checks and repairs (see run_resume.h).
#include "app/run_resume.h"

#include <filesystem>

#include "petal/core/error.h"
#include "petal/io/atomic_file.h"
#include "petal/models/zoo.h"

namespace petal::detail {

namespace fs = std::filesystem;

namespace {

bool is_temp_name(const std::string& name) {
  const size_t at = name.rfind(".tmp.");
  if (at == std::string::npos || at == 0) return false;
  const std::string rest = name.substr(at + 5);  // "<pid>.<n>"
  return !rest.empty() && rest.find_first_not_of("0123456789.") == std::string::npos;
}

int64_t epochs_of(const fs::path& model_file) {
  try {
    return load_model(model_file).epochs_completed();
  } catch (const Error&) {
    return -1;  // unreadable: replaced below when the history says what it should hold
  }
}

}  // namespace

int64_t remove_leftover_temp_files(const RunPaths& paths) {
  int64_t removed = 0;
  for (const fs::path& dir : {paths.dir, paths.dir / "checkpoints"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::error_code ignored;
      if (entry.is_regular_file(ignored) && is_temp_name(entry.path().filename().string()) &&
          fs::remove(entry.path(), ignored)) {
        ++removed;
      }
    }
  }
  return removed;
}

void check_resume_options(const TrainConfig& c, const TrainConfig& recorded) {
  std::string changed, recorded_values;
  for (const char* key : {"model", "l2", "bn_momentum", "optimizer", "lr", "momentum", "nesterov", "decay"}) {
    const std::string now = get_option(c, key), before = get_option(recorded, key);
    if (now == before) continue;
    std::string flag = key;
    for (char& ch : flag) ch = ch == '_' ? '-' : ch;
    changed += (changed.empty() ? "--" : ", --") + flag + " " + now;
    recorded_values += (recorded_values.empty() ? "--" : ", --") + flag + " " + before;
  }
  if (changed.empty()) return;
  throw ConfigError("--resume: " + changed + " differs from the run's " + recorded_values +
                    "; a resumed run continues the model and optimizer that model_last.petal holds, so it cannot "
                    "apply the change.\nHint: drop the option to resume as recorded, or start a new run "
                    "(--overwrite, or another --out) with --config RUN_DIR/config.json.");
}

void check_resumed_network(const Model& resumed, const TrainConfig& c, int64_t classes) {
  const Model expected = build_model(
      c.model, {.height = c.image_height, .width = c.image_width, .depth = 3, .classes = classes,
                .seed = c.seed.value_or(0), .l2 = static_cast<float>(c.l2),
                .bn_momentum = static_cast<float>(c.bn_momentum)});
  const auto want = expected.layers();
  const auto have = resumed.layers();
  for (size_t i = 0; i < std::max(want.size(), have.size()); ++i) {
    const bool same = i < want.size() && i < have.size() && want[i]->type() == have[i]->type() &&
                      want[i]->config_json() == have[i]->config_json();
    if (same) continue;
    const auto describe = [](const Layer* l) { return l->type() + " " + l->config_json(); };
    throw DataError("--resume: config.json names model '" + c.model + "' but model_last.petal holds another "
                    "network: layer " + std::to_string(i + 1) + " is " +
                    (i < have.size() ? describe(have[i]) : std::string("missing")) + " where " + c.model + " has " +
                    (i < want.size() ? describe(want[i]) : std::string("none")) +
                    ".\nHint: the run folder mixes files of two runs; start a new run with --overwrite.");
  }
}

std::string repair_best_model(const RunPaths& p, int64_t best_epoch, int64_t completed) {
  if (best_epoch < 0) return {};
  std::error_code ec;
  const int64_t holds = fs::exists(p.model(), ec) ? epochs_of(p.model()) : -1;
  if (holds == best_epoch + 1) return {};
  fs::path source;
  if (best_epoch + 1 == completed) {
    source = p.model_last();
  } else if (fs::exists(p.checkpoint(best_epoch + 1), ec)) {
    source = p.checkpoint(best_epoch + 1);
  }
  const std::string held = holds < 0 ? "no readable model" : "epoch " + std::to_string(holds);
  if (source.empty()) {
    return "[WARN] model.petal holds " + held + " but the history's best is epoch " + std::to_string(best_epoch + 1) +
           ", of which no copy is left; it is replaced when a later epoch is better";
  }
  const auto bytes = read_file(source);
  write_file_atomically(p.model(), std::span<const std::byte>(bytes));
  return "[INFO] model.petal held " + held + " (the run was stopped while writing it); restored the best epoch " +
         std::to_string(best_epoch + 1) + " from " + source.filename().string();
}

bool run_reported(const RunPaths& paths) {
  std::error_code ec;
  return fs::exists(paths.report_json(), ec);
}

}  // namespace petal::detail
