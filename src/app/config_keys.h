// The table behind set_option/get_option/train_config_keys: one entry per key
// with its parser and its typed JSON value.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "petal/app/train_config.h"

namespace petal::detail {

struct KeyEntry {
  ConfigKey doc;
  // label: how messages name the option ("--batch-size", "config 'x.json': batch_size").
  std::function<void(TrainConfig&, const std::string& label, const std::string& value)> set;
  std::function<nlohmann::json(const TrainConfig&)> get;
};

const std::vector<KeyEntry>& key_table();
// nullptr when unknown; '-' in `key` reads as '_'.
const KeyEntry* find_key(const std::string& key);
// Whether a --model value names a model file (a path, or .petal / .h5 / .hdf5)
// rather than a built-in model.
bool is_model_file_name(const std::string& value);
// JSON scalar or list as the text set_option reads ("a,b" for lists).
std::string json_to_option_text(const nlohmann::json& value, const std::string& label);

}  // namespace petal::detail
