// The petal subcommands. Each takes its arguments (after the command name) and
// returns the process exit code; petal::Error and UsageError are caught in main.
#pragma once

#include <string>
#include <vector>

namespace petal::cli {

int train_command(const std::vector<std::string>& args);
int evaluate_command(const std::vector<std::string>& args);
int predict_command(const std::vector<std::string>& args);
int summary_command(const std::vector<std::string>& args);
int export_command(const std::vector<std::string>& args);
int augment_command(const std::vector<std::string>& args);

// "minivggnet, shallownet, ..." for help texts.
std::string model_names();
// True when `text` names a model file rather than a built-in model: it exists,
// contains a path separator, or ends in ".petal".
bool is_model_path(const std::string& text);
// "--input-shape H,W,C" -> {H, W, C}; UsageError otherwise.
std::vector<long long> parse_shape(const std::string& text);

}  // namespace petal::cli
