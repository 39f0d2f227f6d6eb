// History recording.
#include "petal/callbacks/history.h"

#include "petal/core/error.h"

namespace petal {

void History::on_train_begin(Logs&) {
  // Keras 2 clears History at each fit; a resumed fit continues a fresh History.
  epoch.clear();
  history.clear();
}

void History::on_epoch_end(int64_t e, Logs& logs) {
  epoch.push_back(e);
  for (const auto& [k, v] : logs) history[k].push_back(v);
}

const std::vector<double>& History::at(const std::string& name) const {
  auto it = history.find(name);
  if (it != history.end()) return it->second;
  std::string have;
  for (const auto& [k, v] : history) have += (have.empty() ? "" : ", ") + k;
  throw ConfigError("History: nothing recorded under '" + name + "'; recorded: " + (have.empty() ? "(none)" : have) + ".");
}

}  // namespace petal
