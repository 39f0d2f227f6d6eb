// TrainConfig presets, setting by key, checks and the JSON form.
#include "petal/app/train_config.h"

#include <filesystem>
#include <cstring>
#include <cerrno>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/config_keys.h"
#include "app/config_parse.h"
#include "app/recipe_options.h"
#include "petal/core/error.h"

namespace petal {

using json = nlohmann::json;

TrainConfig recipe_config() {
  TrainConfig c;
  c.label_smoothing = 0.1;
  c.warmup_epochs = -1;  // auto: detail::auto_warmup_epochs
  c.lr_schedule_unit = "step";
  c.tta = true;
  return c;
}

TrainConfig tutorial_config() {
  TrainConfig c;
  c.preset = "tutorial";
  c.image_height = c.image_width = 64;
  c.fast_decode = false;  // cv2.imread then cv2.resize
  c.rescale = 0.0;        // the tutorial feeds raw 0..255 pixels
  apply_augment_preset(c, "tutorial");
  c.model = "minivggnet";
  c.l2 = 0.0;
  c.mode = "generator";
  c.epochs = 75;
  c.batch_size = 32;
  c.optimizer = "sgd";
  c.lr = 0.01;
  c.momentum = 0.9;
  c.nesterov = false;
  c.decay = 0.01 / 75;
  c.lr_schedule = "none";
  c.test_split = 0.25;
  c.split = "shuffled";
  return c;
}

TrainConfig preset_config(const std::string& name) {
  if (name == "recipe") return recipe_config();
  if (name == "tutorial") return tutorial_config();
  throw ConfigError("--preset: expected one of auto | recipe | tutorial; received '" + name + "'.");
}

std::string resolve_preset(const std::string& preset, const std::string& model) {
  if (preset != "auto") return preset;
  return model == "minivggnet" ? "tutorial" : "recipe";
}

void apply_augment_preset(TrainConfig& c, const std::string& name) {
  c.augment = name;
  c.rotation_range = 0;
  c.width_shift_range = c.height_shift_range = 0;
  c.shear_range = 0;
  c.zoom_lower = c.zoom_upper = 1.0;
  c.horizontal_flip = c.vertical_flip = false;
  c.fill_mode = "nearest";
  c.cval = 0;
  c.brightness_range.clear();
  c.channel_shift_range = 0;
  c.random_resized_crop.clear();
  c.brightness_jitter = c.contrast_jitter = c.saturation_jitter = 0;
  c.random_erasing = 0;
  if (name == "tutorial") {
    // ImageDataGenerator(rotation_range=20, zoom_range=0.15, width_shift_range=0.2,
    //   height_shift_range=0.2, shear_range=0.15, horizontal_flip=True, fill_mode="nearest")
    c.rotation_range = 20;
    c.zoom_lower = 0.85;
    c.zoom_upper = 1.15;
    c.width_shift_range = c.height_shift_range = 0.2;
    c.shear_range = 0.15;
    c.horizontal_flip = true;
  } else if (name == "default") {
    c.rotation_range = 20;
    c.zoom_lower = 0.8;
    c.zoom_upper = 1.2;
    c.width_shift_range = c.height_shift_range = 0.1;
    c.horizontal_flip = true;
  } else if (name != "none") {
    throw ConfigError("--augment: expected one of tutorial | default | none; received '" + name + "'.");
  }
}

const std::vector<ConfigKey>& train_config_keys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> out;
    for (const auto& e : detail::key_table()) out.push_back(e.doc);
    return out;
  }();
  return keys;
}

namespace {

const detail::KeyEntry& require_key(const std::string& key, const std::string& origin) {
  if (const auto* e = detail::find_key(key)) return *e;
  std::string known;
  for (const auto& e : detail::key_table()) known += (known.empty() ? "" : ", ") + e.doc.key;
  throw ConfigError(detail::option_label(origin, key) + ": unknown option; expected one of " + known + ".");
}

}  // namespace

std::string get_option(const TrainConfig& config, const std::string& key) {
  const auto& e = require_key(key, "");
  return detail::json_to_option_text(e.get(config), key);
}

void set_option(TrainConfig& config, const std::string& key, const std::string& value, const std::string& origin) {
  const auto& e = require_key(key, origin);
  e.set(config, detail::option_label(origin, e.doc.key), value);
}

void set_options(TrainConfig& config, std::vector<std::pair<std::string, std::string>> options,
                 const std::string& origin) {
  std::stable_partition(options.begin(), options.end(), [](const auto& kv) {
    const auto* e = detail::find_key(kv.first);
    return e && e->doc.key == "augment";
  });
  for (const auto& [k, v] : options) set_option(config, k, v, origin);
}

bool augmentation_active(const TrainConfig& c) {
  return c.rotation_range != 0 || c.width_shift_range != 0 || c.height_shift_range != 0 || c.shear_range != 0 ||
         c.zoom_lower != 1.0 || c.zoom_upper != 1.0 || c.horizontal_flip || c.vertical_flip ||
         !c.brightness_range.empty() || c.channel_shift_range != 0 || !c.random_resized_crop.empty() ||
         c.brightness_jitter != 0 || c.contrast_jitter != 0 || c.saturation_jitter != 0 || c.random_erasing != 0;
}

void validate(const TrainConfig& c) {
  if (c.data.empty()) {
    throw ConfigError("--data: required; expected the dataset folder or CSV file.\nHint: petal train --data DIR --out RUN_DIR");
  }
  if (c.out.empty()) {
    throw ConfigError("--out: required; expected the run directory to write.\nHint: petal train --data DIR --out RUN_DIR");
  }
  if (c.mode == "fit" && augmentation_active(c)) {
    throw ConfigError("--mode fit trains on the decoded arrays as they are and cannot augment; the configuration has "
                      "--augment " + c.augment + " with random transforms.\nHint: use --mode generator (or batch) to "
                      "augment, or add --augment none to train on the arrays.");
  }
  if (c.test_split <= 0.0) {
    throw ConfigError("--test-split: expected a fraction in (0, 1) (the test split gets the classification report); "
                      "received " + detail::format_number(c.test_split) + ".");
  }
  detail::validate_recipe_options(c);
}

std::string train_config_to_json(const TrainConfig& c, const std::string& run_json) {
  json j = json::object();
  j["preset"] = c.preset;
  for (const auto& e : detail::key_table()) j[e.doc.key] = e.get(c);
  if (!run_json.empty()) j["run"] = json::parse(run_json);
  return j.dump(2) + "\n";
}

ConfigFile read_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError("--config '" + path + "': is a directory; expected a JSON file of options.\nHint: give the file "
                  "itself, e.g. " + (std::filesystem::path(path) / "config.json").string() + ".");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("--config '" + path + "': cannot open the file (" + std::strerror(errno) + ").");
  std::stringstream text;
  text << in.rdbuf();
  json j;
  try {
    j = json::parse(text.str());
  } catch (const json::exception& e) {
    throw IoError("--config '" + path + "': expected a JSON object of options; the file is not valid JSON (" +
                  std::string(e.what()) + ").");
  }
  if (!j.is_object()) {
    throw IoError("--config '" + path + "': expected a JSON object of options; received " + std::string(j.type_name()) +
                  ".");
  }
  ConfigFile out;
  const std::string origin = "config '" + path + "': ";
  for (const auto& [key, value] : j.items()) {
    if (key == "run") {
      out.run_json = value.dump();
    } else if (key == "preset") {
      out.preset = detail::json_to_option_text(value, origin + key);
    } else if (!value.is_null()) {
      require_key(key, origin);
      out.options.emplace_back(key, detail::json_to_option_text(value, origin + key));
    }
  }
  return out;
}

TrainConfig resolve_train_config(const ConfigSources& sources) {
  ConfigFile file;
  if (sources.config_file) file = read_config_file(*sources.config_file);
  std::string model;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  for (const Pairs* list : std::initializer_list<const Pairs*>{&file.options, &sources.options}) {
    for (const auto& [k, v] : *list) {
      if (const auto* e = detail::find_key(k); e && e->doc.key == "model") model = v;
    }
  }
  for (char& ch : model) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const std::string preset = resolve_preset(sources.preset.value_or(file.preset.value_or("auto")), model);
  TrainConfig config = preset_config(preset);
  if (sources.config_file) set_options(config, file.options, "config '" + *sources.config_file + "': ");
  set_options(config, sources.options, "--");
  return config;
}

}  // namespace petal
