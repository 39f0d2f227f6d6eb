// A run's history.csv: per-epoch metrics in Keras CSVLogger's format, written
// atomically, and read back into the map plot_training_history draws.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace petal {

// Writes "epoch,<keys...>" and one row per epoch (epoch 0-based, as CSVLogger).
// `keys` gives the columns and their order; empty means every key of `history`,
// sorted (CSVLogger's order). A series shorter than the longest, or a key absent
// from `history`, is written `NA`; a NaN value is written `nan`; values use the
// shortest text that reads back as the same double. The file appears whole or
// not at all (temporary file + rename). Throws ConfigError for an empty history
// or a key containing the separator, a quote or a newline; IoError naming the path.
void write_history_csv(const std::filesystem::path& path,
                       const std::map<std::string, std::vector<double>>& history,
                       const std::vector<std::string>& keys = {}, char separator = ',');

// Reads a file written by write_history_csv or CSVLogger. `NA` and empty cells
// become NaN, except that trailing ones are dropped, so a series that ended
// early comes back as long as it was written. The epoch column is checked to be
// integers and not returned (the plotter numbers epochs 0..N-1). Quoted fields
// are not supported. Throws IoError if unreadable, DataError naming the line if
// malformed.
std::map<std::string, std::vector<double>> read_history_csv(const std::filesystem::path& path,
                                                            char separator = ',');

}  // namespace petal
