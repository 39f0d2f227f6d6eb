// Crash-safe file writing: data goes to a temporary file in the target's directory,
// is fsynced and renamed over the target, so readers see the old or the new file, never half.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace petal {

// A file being written atomically. The constructor creates
// `<path>.tmp.<pid>.<random>` next to `path`; write() appends to it; commit()
// fsyncs it, renames it over `path` and fsyncs the directory. Destroying an
// AtomicFile that was not committed removes the temporary file and leaves any
// existing `path` untouched. Errors throw IoError naming the path and errno text.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::span<const std::byte> data);
  void write(std::string_view text);
  // Bytes written so far.
  uint64_t bytes_written() const { return written_; }
  void commit();

  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& temp_path() const { return temp_path_; }

 private:
  void discard() noexcept;

  std::filesystem::path path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  uint64_t written_ = 0;
  bool committed_ = false;
};

// Writes `data` to `path` atomically (see AtomicFile).
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> data);
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

// The whole content of `path`; IoError naming the file if it is missing or unreadable.
std::vector<std::byte> read_file(const std::filesystem::path& path);

}  // namespace petal
