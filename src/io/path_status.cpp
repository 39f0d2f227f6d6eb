// path_problem: stat(2) and lstat(2) errno in words.
#include "petal/io/path_status.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace petal {

std::string path_problem(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return {};
  const int err = errno;
  if (err == ELOOP) return "the path is a loop of symbolic links (" + std::string(std::strerror(err)) + ")";
  if (err == ENOENT) {
    struct stat link {};
    if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      return "the path is a symbolic link to a missing target";
    }
    return "the path does not exist";
  }
  return "the path cannot be reached: " + std::string(std::strerror(err));
}

}  // namespace petal
