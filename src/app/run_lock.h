// One run per folder: an exclusive flock(2) on RUN_DIR/.petal.lock held for the
// life of the run, with the holder's pid in the file for the refusal message.
#pragma once

#include <filesystem>

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

}  // namespace petal::detail
