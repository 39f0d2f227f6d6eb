// history.csv writing (CSVLogger's layout, atomic) and reading (NA -> NaN).
#include "petal/report/history_csv.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "petal/callbacks/csv_logger.h"
#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/io/atomic_file.h"

namespace petal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, separator)) cells.push_back(cell);
  if (!line.empty() && line.back() == separator) cells.emplace_back();
  if (line.empty()) cells.emplace_back();
  return cells;
}

enum class Cell { Value, Missing, Bad };

// A cell as CSVLogger/Python wrote it; NA and empty are missing (NaN).
Cell parse_cell(std::string cell, double& value) {
  cell.erase(0, cell.find_first_not_of(" \t"));
  cell.erase(cell.find_last_not_of(" \t") + 1);
  std::string lower = cell;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  value = kNaN;
  if (cell.empty() || cell == "NA") return Cell::Missing;
  if (lower == "nan") return Cell::Value;
  if (lower == "inf" || lower == "+inf") return value = INFINITY, Cell::Value;
  if (lower == "-inf") return value = -INFINITY, Cell::Value;
  const char* first = cell.data() + (cell[0] == '+');
  const auto r = std::from_chars(first, cell.data() + cell.size(), value);
  const bool ok = r.ec == std::errc() && r.ptr == cell.data() + cell.size();
  return ok ? Cell::Value : Cell::Bad;
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  const auto bytes = read_file(path);
  std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace

void write_history_csv(const std::filesystem::path& path,
                       const std::map<std::string, std::vector<double>>& history,
                       const std::vector<std::string>& keys, char separator) {
  const std::string where = "write_history_csv('" + path.string() + "')";
  if (history.empty())
    throw ConfigError(where + ": expected at least one series; received an empty history.");
  std::vector<std::string> columns = keys;
  if (columns.empty())
    for (const auto& [k, v] : history) columns.push_back(k);
  size_t epochs = 0;
  for (const auto& [k, v] : history) epochs = std::max(epochs, v.size());
  std::string text = "epoch";
  for (const auto& k : columns) {
    if (k.empty() || k.find_first_of(std::string("\"\r\n") + separator) != std::string::npos)
      throw ConfigError(where + ": expected column names without quotes, newlines or '" +
                        std::string(1, separator) + "'; received '" + k + "'.");
    if (std::count(columns.begin(), columns.end(), k) > 1)
      throw ConfigError(where + ": expected distinct column names; received '" + k + "' twice.");
    text += separator + k;
  }
  text += "\n";
  for (size_t e = 0; e < epochs; ++e) {
    text += std::to_string(e);
    for (const auto& k : columns) {
      const auto it = history.find(k);
      const bool present = it != history.end() && e < it->second.size();
      text += separator + (present ? format_double(it->second[e]) : std::string("NA"));
    }
    text += "\n";
  }
  write_file_atomically(path, text);
}

std::map<std::string, std::vector<double>> read_history_csv(const std::filesystem::path& path,
                                                            char separator) {
  const std::string where = "read_history_csv('" + path.string() + "')";
  const auto lines = read_lines(path);
  if (lines.empty()) throw DataError(where + ": expected a header line 'epoch,...'; received an empty file.");
  const auto header = split(lines[0], separator);
  if (header[0] != "epoch")
    throw DataError(where + ": expected the first column to be 'epoch'; received '" + escape_text(header[0], 40) +
                    "'. Hint: is the separator '" + std::string(1, separator) + "'?");
  std::map<std::string, std::vector<double>> history;
  for (size_t c = 1; c < header.size(); ++c)
    if (!history.emplace(header[c], std::vector<double>{}).second)
      throw DataError(where + ": expected distinct column names; received '" + escape_text(header[c], 40) + "' twice.");
  std::vector<size_t> kept(header.size(), 0);  // rows up to the last non-missing value
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto cells = split(lines[i], separator);
    const std::string at = where + ": line " + std::to_string(i + 1);
    if (cells.size() != header.size())
      throw DataError(at + ": expected " + std::to_string(header.size()) + " cells; received " +
                      std::to_string(cells.size()) + ".");
    int64_t epoch = 0;
    const auto r = std::from_chars(cells[0].data(), cells[0].data() + cells[0].size(), epoch);
    if (r.ec != std::errc() || r.ptr != cells[0].data() + cells[0].size())
      throw DataError(at + ": expected an integer epoch; received '" + escape_text(cells[0], 40) + "'.");
    for (size_t c = 1; c < cells.size(); ++c) {
      double v = 0;
      const Cell kind = parse_cell(cells[c], v);
      if (kind == Cell::Bad)
        throw DataError(at + ", column '" + escape_text(header[c], 40) + "': expected a number or NA; received '" +
                        escape_text(cells[c], 40) + "'.");
      history[header[c]].push_back(v);
      if (kind == Cell::Value) kept[c] = i;
    }
  }
  // Trailing NA (a series that ended early) is dropped; "nan" values are kept.
  for (size_t c = 1; c < header.size(); ++c) history[header[c]].resize(kept[c]);
  return history;
}

}  // namespace petal
