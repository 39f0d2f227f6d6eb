// train_seeds: one run per seed and the summary of their test accuracies.
#include "petal/app/multi_seed.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "app/config_parse.h"
#include "petal/core/error.h"
#include "petal/distributed/context.h"
#include "petal/io/atomic_file.h"

namespace petal {

namespace fs = std::filesystem;

namespace {

std::pair<int64_t, int64_t> correct_of(const ClassificationReport& r) {
  int64_t correct = 0, total = 0;
  for (size_t t = 0; t < r.confusion.size(); ++t) {
    for (size_t p = 0; p < r.confusion[t].size(); ++p) {
      total += r.confusion[t][p];
      if (t == p) correct += r.confusion[t][p];
    }
  }
  return {correct, total};
}

}  // namespace

std::vector<uint64_t> parse_seeds(const std::string& text, const std::string& label) {
  std::vector<uint64_t> out;
  std::set<uint64_t> seen;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const auto seed = static_cast<uint64_t>(detail::parse_int(label, item, 0, INT64_MAX));
    if (!seen.insert(seed).second) detail::bad_value(label, "distinct seeds such as 1,2,3", text);
    out.push_back(seed);
    start = comma + 1;
  }
  return out;
}

SeedsResult train_seeds(TrainConfig config, const std::vector<uint64_t>& seeds, TrainRunOptions options) {
  if (seeds.empty()) throw ConfigError("--seeds: expected at least one seed; received none.");
  if (options.resume) {
    throw ConfigError("--seeds: cannot resume a group of runs at once.\nHint: resume each one, e.g. petal train "
                      "--resume " + (fs::path(config.out) / ("seed_" + std::to_string(seeds[0]))).string() + ".");
  }
  const fs::path out = fs::absolute(config.out).lexically_normal();
  std::error_code ec;
  if (!options.overwrite && fs::exists(out / "seeds.json", ec)) {
    throw ConfigError("--out '" + out.string() + "': the folder already holds a group of seeds (seeds.json).\nHint: "
                      "--overwrite replaces it, or choose another --out.");
  }
  options.seeds = seeds;
  SeedsResult r;
  r.seeds = seeds;
  std::vector<double> accuracies;
  for (uint64_t seed : seeds) {
    TrainConfig c = config;
    c.seed = seed;
    c.out = (out / ("seed_" + std::to_string(seed))).string();
    r.runs.push_back(train(std::move(c), options));
    accuracies.push_back(r.runs.back().report.accuracy);
  }
  r.accuracy = spread(accuracies);
  if (!DistributedContext::init().is_root()) return r;  // rank 0 writes the run files
  write_file_atomically(out / "seeds.txt", seeds_summary_text(r));
  write_file_atomically(out / "seeds.json", seeds_summary_json(r, options.command_line));
  return r;
}

std::string seeds_summary_text(const SeedsResult& r) {
  std::string s = "test accuracy over " + std::to_string(r.runs.size()) + " seeds\n\n";
  char line[200];
  std::snprintf(line, sizeof line, "%-12s %9s  %-21s %8s %10s  %s\n", "seed", "accuracy", "95% CI (Wilson)",
                "images", "seconds", "run");
  s += line;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const auto [k, n] = correct_of(r.runs[i].report);
    const Interval ci = n > 0 ? wilson_interval(k, n) : Interval{};
    std::snprintf(line, sizeof line, "%-12llu %9.4f  %.4f to %.4f      %8lld %10.1f  %s\n",
                  static_cast<unsigned long long>(r.seeds[i]), r.runs[i].report.accuracy, ci.low, ci.high,
                  static_cast<long long>(n), r.runs[i].seconds, r.runs[i].run_dir.filename().string().c_str());
    s += line;
  }
  std::snprintf(line, sizeof line, "\nmean %.4f, standard deviation %.4f (sample, n - 1), min %.4f, max %.4f\n",
                r.accuracy.mean, r.accuracy.stddev, r.accuracy.min, r.accuracy.max);
  return s + line;
}

std::string seeds_summary_json(const SeedsResult& r, const std::string& command_line) {
  nlohmann::ordered_json j;
  j["seeds"] = r.seeds;
  std::vector<double> acc;
  for (const auto& run : r.runs) acc.push_back(run.report.accuracy);
  j["accuracy"] = acc;
  j["mean"] = r.accuracy.mean;
  j["std"] = r.accuracy.stddev;
  j["std_kind"] = "sample (n - 1)";
  j["min"] = r.accuracy.min;
  j["max"] = r.accuracy.max;
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const auto [k, n] = correct_of(r.runs[i].report);
    const Interval ci = n > 0 ? wilson_interval(k, n) : Interval{};
    runs.push_back({{"seed", r.seeds[i]}, {"dir", r.runs[i].run_dir.string()}, {"accuracy", r.runs[i].report.accuracy},
                    {"test_samples", n}, {"accuracy_ci95", {ci.low, ci.high}}, {"seconds", r.runs[i].seconds},
                    {"epochs_completed", r.runs[i].epochs_completed}});
  }
  j["runs"] = runs;
  if (!command_line.empty()) j["command"] = command_line;
  return j.dump(2) + "\n";
}

}  // namespace petal
