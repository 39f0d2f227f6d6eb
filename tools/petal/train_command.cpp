// petal train: options from the trainer's key table, a config file, a preset
// or a run to resume; everything else is petal::train().
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "args.h"
#include "commands.h"
#include "petal/app/train_config.h"
#include "petal/app/multi_seed.h"
#include "petal/app/trainer.h"
#include "petal/core/error.h"
#include "petal/distributed/context.h"

namespace petal::cli {

namespace {

std::string preset_defaults(const ConfigKey& k) {
  const std::string r = get_option(recipe_config(), k.key), t = get_option(tutorial_config(), k.key);
  if (r.empty() && t.empty()) return "";
  if (r == t) return " (default " + r + ")";
  return " (recipe " + (r.empty() ? "none" : r) + "; tutorial " + (t.empty() ? "none" : t) + ")";
}

ArgParser train_parser() {
  ArgParser p("train", "petal train --data DIR --out RUN_DIR [options]",
              "Train an image classifier on DIR and write RUN_DIR: model.petal (best epoch by --monitor),\n"
              "model_last.petal, history.csv, plot.png, report.txt (final model on the test split),\n"
              "report.json, confusion.png, config.json and train.log.\n"
              "Settings not given come from --config, then from the preset: 'tutorial' (the Flowers-17\n"
              "tutorial: minivggnet, 64x64 raw pixels, SGD, 75 epochs) or 'recipe' (petal's default:\n"
              "vgg_bn at 96x96, rescaled pixels, cosine SGD). --preset auto picks the tutorial when\n"
              "--model is minivggnet and the recipe otherwise.");
  for (const ConfigKey& k : train_config_keys()) {
    std::string flag = k.key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    const std::string help = k.help + preset_defaults(k);
    if (k.is_bool) {
      p.flag(flag, help + " [--" + flag + "=false to turn off]", true);
    } else {
      p.option(flag, help, "", k.value);
    }
  }
  p.option("config", "JSON file with these options (snake_case keys); flags override it", "", "FILE")
      .option("preset", "auto | recipe | tutorial: where unset options come from (default auto)", "", "NAME")
      .option("resume", "continue RUN_DIR from model_last.petal (its config.json; flags override)", "", "RUN_DIR")
      .option("seeds", "train once per seed into RUN_DIR/seed_S and summarise the test accuracies in "
                       "RUN_DIR/seeds.txt and seeds.json (instead of --seed)", "", "S1,S2,...")
      .flag("overwrite", "write into an --out that already holds a run");
  return p;
}

}  // namespace

int train_command(const std::vector<std::string>& argv) {
  const ArgParser parser = train_parser();
  auto args = parser.parse(argv);
  if (!args) return 0;
  ConfigSources sources;
  TrainRunOptions run;
  std::string command = "petal train";
  for (const auto& a : argv) command += " " + a;
  run.command_line = command;
  for (const auto& [name, value] : args->given()) {
    if (name == "config") sources.config_file = value;
    else if (name == "preset") sources.preset = value;
    else if (name == "resume" || name == "overwrite" || name == "seeds") continue;
    else sources.options.emplace_back(name, value);
  }
  if (const auto resume = args->opt("resume")) {
    if (sources.config_file) throw UsageError("petal train: --resume uses RUN_DIR/config.json; drop --config");
    std::error_code ec;
    if (const auto out = args->opt("out"); out && !std::filesystem::equivalent(*out, *resume, ec)) {
      throw UsageError("petal train: --resume continues RUN_DIR in place; drop --out (received --out " + *out + ")");
    }
    sources.config_file = resume_config_path(*resume);
    sources.options.emplace_back("out", *resume);
    run.resume = true;
  }
  run.overwrite = args->flag("overwrite");
  std::vector<uint64_t> seeds;
  TrainConfig config;
  try {
    if (const auto list = args->opt("seeds")) {
      if (args->has("seed")) throw ConfigError("--seeds runs one training per seed; drop --seed.");
      if (run.resume) throw ConfigError("--seeds cannot resume a group of runs; resume each RUN_DIR/seed_S.");
      seeds = parse_seeds(*list);
    }
    config = resolve_train_config(sources);
    validate(config);
  } catch (const ConfigError& e) {
    throw UsageError("petal train: " + std::string(e.what()));  // a bad option value: a usage mistake
  }
  if (seeds.empty()) {
    const TrainResult r = train(std::move(config), run);
    if (r.interrupted_by != 0) {
      // Also at --verbose 0: how to go on matters more than quiet.
      std::cerr << "petal train: interrupted; " << (r.epochs_completed > 0
                                                        ? "resume with: petal train --resume " + r.run_dir.string()
                                                        : "no epoch completed; start again with --overwrite")
                << "\n";
      return 128 + r.interrupted_by;  // 130 for SIGINT, 143 for SIGTERM, as a shell reports them
    }
    return 0;
  }
  const bool show = config.verbose > 0 && DistributedContext::init().is_root();
  const SeedsResult r = train_seeds(std::move(config), seeds, run);
  if (show) std::cout << "\n" << seeds_summary_text(r);
  return 0;
}

}  // namespace petal::cli
