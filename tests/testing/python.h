// Running the committed Python reference scripts with Debian's interpreter
// (/usr/bin/python3 with numpy, scipy, torch), or skipping with a reason.
#pragma once

#include <string>

namespace petal::testing {

// Empty when `modules` (e.g. "numpy torch") import; else why not (for GTEST_SKIP).
std::string python_unavailable(const std::string& modules);
// Runs a script from the source tree (path relative to it) with arguments;
// returns the exit status, output in `log`.
int run_python(const std::string& script, const std::string& args, std::string& log);

}  // namespace petal::testing
