// One run per folder: an exclusive flock(2) on RUN_DIR/.petal.lock held for the
// life of the run, with the holder's pid in the file for the refusal message.
#pragma once

#include <filesystem>
#include <memory>

#include "petal/app/run_dir.h"

namespace petal::detail {

class RunLock {
 public:
  // Takes the lock without waiting; IoError naming the folder and the pid of the
  // process that holds it (from the file), or why the lock file cannot be opened.
  explicit RunLock(const std::filesystem::path& run_dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  static std::filesystem::path file(const std::filesystem::path& run_dir) { return run_dir / ".petal.lock"; }

 private:
  int fd_ = -1;
};

// Creates RUN_DIR and locks it, then refuses (ConfigError) a folder that holds a
// run unless `resume` or `overwrite`: with model_last.petal, Hint --resume or
// --overwrite; with config.json only (stopped before its first epoch ended), Hint
// --overwrite. The lock comes first, so two runs cannot both pass the check.
std::unique_ptr<RunLock> claim_run_dir(const RunPaths& paths, bool resume, bool overwrite);

}  // namespace petal::detail
