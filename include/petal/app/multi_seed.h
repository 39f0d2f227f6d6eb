// `petal train --seeds 1,2,3`: the same training once per seed, each run in its
// own folder OUT/seed_<s>, then the spread of the test accuracies in
// OUT/seeds.txt and OUT/seeds.json (one run's accuracy on a few hundred test
// images moves by several points with the seed; users should see by how much).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "petal/app/train_config.h"
#include "petal/app/trainer.h"
#include "petal/report/confidence_interval.h"

namespace petal {

struct SeedsResult {
  std::vector<uint64_t> seeds;
  std::vector<TrainResult> runs;  // in seed order
  Spread accuracy;                // of the runs' test accuracies
};

// "1,2,3" -> {1, 2, 3}; ConfigError for an empty, repeated or non-integer entry.
std::vector<uint64_t> parse_seeds(const std::string& text, const std::string& label = "--seeds");

// Trains `config` with each seed into config.out/seed_<s> (options.seeds set to
// the group) and writes the summary files; ConfigError when config.out already
// holds a seeds.json and options.overwrite is false.
SeedsResult train_seeds(TrainConfig config, const std::vector<uint64_t>& seeds, TrainRunOptions options = {});

// The summary text (seeds.txt) and JSON (seeds.json) of finished runs.
std::string seeds_summary_text(const SeedsResult& result);
std::string seeds_summary_json(const SeedsResult& result, const std::string& command_line = {});

}  // namespace petal
