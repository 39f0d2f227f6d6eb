// petal command-line entry point: dispatches to subcommands and turns every
// error into one clear line and a non-zero exit code.
#include <iostream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "petal/core/error.h"

namespace {

constexpr const char* kUsage =
    "usage: petal <command> [options]\n"
    "\n"
    "commands:\n"
    "  summary    print a model's Keras-style summary\n"
    "\n"
    "Run 'petal <command> --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (command == "summary") return petal::cli::summary_command(rest);
    std::cerr << "petal: unknown command '" << command << "'\n" << kUsage;
    return 2;
  } catch (const petal::cli::UsageError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const petal::Error& e) {
    std::cerr << "petal " << command << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "petal " << command << ": internal error: " << e.what() << "\n";
    return 3;
  }
}
