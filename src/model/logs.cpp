// Ordered metric logs.
#include "petal/model/logs.h"

#include <algorithm>

#include "petal/core/error.h"

namespace petal {

Logs::Logs(std::initializer_list<Entry> entries) {
  for (const auto& [k, v] : entries) set(k, v);
}

void Logs::set(const std::string& name, double value) {
  for (auto& [k, v] : entries_) {
    if (k == name) {
      v = value;
      return;
    }
  }
  entries_.emplace_back(name, value);
}

bool Logs::contains(const std::string& name) const { return get(name).has_value(); }

std::optional<double> Logs::get(const std::string& name) const {
  for (const auto& [k, v] : entries_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

double Logs::at(const std::string& name) const {
  if (auto v = get(name)) return *v;
  std::string have;
  for (const auto& [k, v] : entries_) have += (have.empty() ? "" : ", ") + k;
  throw ConfigError("logs: no value named '" + name + "'; available: " + (have.empty() ? "(none)" : have) + ".");
}

void Logs::erase(const std::string& name) {
  std::erase_if(entries_, [&](const Entry& e) { return e.first == name; });
}

std::vector<std::string> Logs::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) out.push_back(k);
  return out;
}

}  // namespace petal
