// petal summary: print a built-in model's (or a saved model's) Keras summary.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "petal/models/zoo.h"

namespace petal::cli {

namespace {

std::vector<long long> parse_shape(const std::string& text) {
  std::vector<long long> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != part.size() || part.empty() || v <= 0) {
      throw UsageError("--input-shape: expected positive integers H,W,C such as 64,64,3; received '" + text + "'");
    }
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int summary_command(const std::vector<std::string>& argv) {
  ArgParser p("summary", "petal summary --model NAME [--input-shape H,W,C] [--classes K]",
              "Print a model's layers, output shapes and parameter counts in Keras's format.");
  p.option("model", "built-in model name (" + [] {
    std::string s;
    for (const auto& n : zoo_models()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }() + ")")
      .option("input-shape", "input image shape H,W,C", "64,64,3")
      .option("classes", "number of classes", "17");
  auto args = p.parse(argv);
  if (!args) return 0;
  const auto shape = parse_shape(args->str("input-shape"));
  if (shape.size() != 3) throw UsageError("--input-shape: expected three values H,W,C; received '" + args->str("input-shape") + "'");
  const long long classes = args->integer("classes");
  if (classes < 2) throw UsageError("--classes: expected an integer >= 2; received " + std::to_string(classes));
  ZooOptions o{.height = shape[0], .width = shape[1], .depth = shape[2], .classes = classes};
  Sequential model = build_model(args->str("model"), o);
  std::cout << model.summary();
  return 0;
}

}  // namespace petal::cli
