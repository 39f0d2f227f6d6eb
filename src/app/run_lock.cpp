// RunLock: flock(LOCK_EX | LOCK_NB); the kernel drops the lock when the process
// ends however it ends, so a killed run never leaves a stale lock behind. And
// claim_run_dir, which takes it before looking at what the folder holds.
#include "app/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "petal/core/error.h"

namespace petal::detail {

namespace fs = std::filesystem;

namespace {

std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos && !pid.empty() ? pid : "unknown";
}

}  // namespace

RunLock::RunLock(const std::filesystem::path& run_dir) {
  const auto path = file(run_dir);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw IoError("--out '" + run_dir.string() + "': cannot open the lock file '" + path.filename().string() +
                  "': " + std::strerror(errno) + ".");
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string pid = holder_pid(fd_);
    for (int i = 0; i < 10 && pid == "unknown"; ++i) {  // the holder writes its pid just after locking
      ::usleep(20000);
      pid = holder_pid(fd_);
    }
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      throw IoError("--out '" + run_dir.string() + "': another petal train (pid " + pid +
                    ") is writing this run folder.\nHint: wait for it to finish, or choose another --out.");
    }
    throw IoError("--out '" + run_dir.string() + "': cannot lock the run folder: " + std::strerror(err) + ".");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds without the pid; only the message of a second run loses it.
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays (removing it would race a new holder)
}

std::unique_ptr<RunLock> claim_run_dir(const RunPaths& p, bool resume, bool overwrite) {
  std::error_code ec;
  fs::create_directories(p.dir, ec);
  if (ec || !fs::is_directory(p.dir)) {
    throw IoError("--out '" + p.dir.string() + "': cannot create the run directory (" + ec.message() + ").");
  }
  auto lock = std::make_unique<RunLock>(p.dir);
  if (!resume && !overwrite && fs::exists(p.model_last(), ec)) {
    throw ConfigError("--out '" + p.dir.string() + "': the folder already holds a run (config.json).\nHint: --resume " +
                      p.dir.string() + " continues it, --overwrite replaces it, or choose another --out.");
  }
  if (!resume && !overwrite && fs::exists(p.config(), ec)) {
    throw ConfigError("--out '" + p.dir.string() + "': the folder holds a run that stopped before its first epoch "
                      "ended (config.json, no model_last.petal).\nHint: --overwrite starts it again, or choose "
                      "another --out.");
  }
  return lock;
}

}  // namespace petal::detail
