// Python reference runner.
#include "testing/python.h"

#include <array>
#include <cstdio>

namespace petal::testing {

namespace {

int run(const std::string& command, std::string& log) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  while (fgets(buf.data(), buf.size(), p)) log += buf.data();
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string python_unavailable(const std::string& modules) {
  std::string log, imports;
  for (size_t start = 0; start < modules.size();) {
    size_t end = modules.find(' ', start);
    if (end == std::string::npos) end = modules.size();
    imports += "import " + modules.substr(start, end - start) + ";";
    start = end + 1;
  }
  if (run(std::string(PETAL_PYTHON) + " -c '" + imports + "'", log) == 0) return "";
  return std::string(PETAL_PYTHON) + " cannot import " + modules + " (install them with scripts/setup): " + log;
}

int run_python(const std::string& script, const std::string& args, std::string& log) {
  return run(std::string(PETAL_PYTHON) + " " + PETAL_SOURCE_DIR + "/" + script + " " + args, log);
}

}  // namespace petal::testing
