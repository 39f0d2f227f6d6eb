// Atomic file writing (temp file + fsync + rename + directory fsync) and whole-file reads.
#include "petal/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "petal/core/error.h"

namespace petal {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& step, int err,
                       const std::string& hint = "") {
  std::string message =
      "cannot write '" + path.string() + "': " + step + ": " + std::strerror(err) + ".";
  if (!hint.empty()) message += " Hint: " + hint;
  throw IoError(message);
}

fs::path directory_of(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

std::string random_suffix() {
  std::random_device device;
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%08x", static_cast<unsigned>(device()));
  return buffer;
}

// fsync a directory so the rename inside it survives a crash.
void sync_directory(const fs::path& path) {
  const fs::path dir = directory_of(path);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open directory '" + dir.string() + "' to sync it", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems do not support fsync on directories; the rename is done either way.
  if (rc != 0 && err != EINVAL && err != ENOTSUP) fail(path, "fsync of directory failed", err);
}

}  // namespace

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)) {
  const std::string base = path_.string() + ".tmp." + std::to_string(::getpid()) + ".";
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_path_ = base + random_suffix();
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) break;
    const int err = errno;
    if (err == EEXIST && attempt < 8) continue;
    const std::string step = "cannot create temporary file '" + temp_path_.string() + "'";
    const fs::path dir = directory_of(path_);
    if (err == ENOENT) fail(path_, step, err, "create the directory '" + dir.string() + "' first.");
    if (err == EACCES) fail(path_, step, err, "check the permissions of '" + dir.string() + "'.");
    fail(path_, step, err);
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
}

void AtomicFile::write(std::span<const std::byte> data) {
  if (fd_ < 0) throw StateError("AtomicFile('" + path_.string() + "'): write after commit.");
  const std::byte* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      discard();
      fail(path_, "writing temporary file '" + temp_path_.string() + "' failed", err);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  written_ += data.size();
}

void AtomicFile::write(std::string_view text) { write(std::as_bytes(std::span(text))); }

void AtomicFile::commit() {
  if (fd_ < 0) throw StateError("AtomicFile('" + path_.string() + "'): commit called twice.");
  if (::fsync(fd_) != 0) {
    const int err = errno;
    discard();
    fail(path_, "fsync of temporary file '" + temp_path_.string() + "' failed", err);
  }
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) {
    const int err = errno;
    discard();
    fail(path_, "closing temporary file '" + temp_path_.string() + "' failed", err);
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    discard();
    fail(path_, "renaming '" + temp_path_.string() + "' over it failed", err);
  }
  committed_ = true;
  sync_directory(path_);
}

void write_file_atomically(const fs::path& path, std::span<const std::byte> data) {
  AtomicFile file(path);
  file.write(data);
  file.commit();
}

void write_file_atomically(const fs::path& path, std::string_view text) {
  write_file_atomically(path, std::as_bytes(std::span(text)));
}

std::vector<std::byte> read_file(const fs::path& path) {
  auto fail_read = [&](const std::string& step, int err) {
    throw IoError("read_file('" + path.string() + "'): " + step + ": " + std::strerror(err) + ".");
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_read("cannot open", errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int err = errno;
    ::close(fd);
    fail_read("cannot stat", err);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    fail_read("not a regular file", S_ISDIR(info.st_mode) ? EISDIR : EINVAL);
  }
  std::vector<std::byte> data(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      fail_read(n < 0 ? "read failed" : "file shrank while reading", err);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return data;
}

}  // namespace petal
