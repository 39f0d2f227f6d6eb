// A `petal` process the test runs alongside itself (to signal it, or to race a
// second one against it): spawn, wait for a file or a message, signal, reap.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_fixtures.h"

extern char** environ;

namespace petal::cli_testing {

class PetalProcess {
 public:
  // Starts `petal ARGS...` with stdout and stderr in files under `dir`.
  PetalProcess(const std::vector<std::string>& args, const fs::path& dir)
      : out_(dir / "proc.out"), err_(dir / "proc.err") {
    std::vector<std::string> argv_s = {PETAL_CLI_PATH};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~PetalProcess() {
    if (pid_ > 0 && rc_ < 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  pid_t pid() const { return pid_; }

  // Polls until `ready` holds or the process ends; false when it ended first or
  // after `limit` (a safety net only: the tests assert what happened, not when).
  template <typename Ready>
  bool wait_until(Ready ready, std::chrono::seconds limit = std::chrono::seconds(300)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (ready()) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        record(status);
        return ready();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  // Exit code as a shell reports it (128 + signal when killed by one).
  int wait() {
    if (rc_ >= 0) return rc_;
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) record(status);
    return rc_;
  }
  std::string out() const { return read_text(out_); }
  std::string err() const { return read_text(err_); }

 private:
  void record(int status) { rc_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }
  fs::path out_, err_;
  pid_t pid_ = -1;
  int rc_ = -1;
};

}  // namespace petal::cli_testing
