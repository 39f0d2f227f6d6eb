// A fresh temporary directory, removed with its contents at scope exit. The one
// temp-dir helper of the tests (io_test_util.h and image_fixtures.h alias it).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace petal::testing {

class TempDir {
 public:
  TempDir();  // mkdtemp under the system temp dir: unique across processes and threads
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }
  // Names of the entries directly inside the directory, sorted.
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path path_;
};

}  // namespace petal::testing
