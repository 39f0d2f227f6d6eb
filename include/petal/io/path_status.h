// Why a path cannot be used, in words: missing, a symbolic-link loop, a dangling
// link, a permission problem (strerror), for the "does not exist" messages.
#pragma once

#include <filesystem>
#include <string>

namespace petal {

// "the path does not exist", "the path is a loop of symbolic links (...)", "the
// path is a symbolic link to a missing target", or "the path cannot be reached:
// <strerror>"; empty when the path exists.
std::string path_problem(const std::filesystem::path& path);

}  // namespace petal
