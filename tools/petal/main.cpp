// petal command-line entry point: dispatches to subcommands and turns every
// error into one clear line and a non-zero exit code: 2 for a usage mistake
// (unknown option, bad or missing value), 1 for a failure (missing or bad data
// or files), 3 for an internal error.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/distributed/context.h"

namespace {

constexpr const char* kUsage =
    "usage: petal <command> [options]\n"
    "\n"
    "commands:\n"
    "  train      train an image classifier and write a run directory\n"
    "  evaluate   classification report of a trained model on a dataset\n"
    "  predict    class probabilities for images or an .npy array\n"
    "  summary    print a model's Keras-style summary\n"
    "  export     write a model's weights as .npz with Keras names, or as ONNX\n"
    "  augment    write augmented samples of images, to see the augmentation\n"
    "\n"
    "Run 'petal <command> --help' for a command's options.\n";

}  // namespace

int run_command(const std::string& command, const std::vector<std::string>& rest);

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  // Under mpirun, a rank that fails (exception or non-zero exit) aborts the job
  // with its message instead of leaving the others waiting; alone, no effect.
  return petal::run_distributed([&] { return run_command(command, rest); });
}

int run_command(const std::string& command, const std::vector<std::string>& rest) {
  try {
    if (command == "train") return petal::cli::train_command(rest);
    if (command == "evaluate") return petal::cli::evaluate_command(rest);
    if (command == "predict") return petal::cli::predict_command(rest);
    if (command == "summary") return petal::cli::summary_command(rest);
    if (command == "export") return petal::cli::export_command(rest);
    if (command == "augment") return petal::cli::augment_command(rest);
    std::cerr << "petal: unknown command '" << command << "'\n" << kUsage;
    return 2;
  } catch (const petal::cli::UsageError& e) {
    std::cerr << petal::sanitize_message(e.what()) << "\n";
    return 2;
  } catch (const petal::Error& e) {
    std::cerr << "petal " << command << ": error: " << petal::sanitize_message(e.what()) << "\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "petal " << command << ": error: " << petal::sanitize_message(e.what()) << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "petal " << command << ": error: out of memory (std::bad_alloc): the model, batch or data needs "
              << "more memory than this machine could give.\nHint: lower --batch-size or --image-size.\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "petal " << command << ": internal error: " << petal::sanitize_message(e.what()) << "\n";
    return 3;
  } catch (...) {
    std::cerr << "petal " << command << ": internal error (unknown exception)\n";
    return 3;
  }
}
