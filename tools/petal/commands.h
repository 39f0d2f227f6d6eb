// The petal subcommands. Each takes its arguments (after the command name) and
// returns the process exit code; petal::Error and UsageError are caught in main.
#pragma once

#include <string>
#include <vector>

namespace petal::cli {

int summary_command(const std::vector<std::string>& args);

}  // namespace petal::cli
