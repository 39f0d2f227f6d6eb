// The `logs` map handed to callbacks and returned by train_on_batch: metric
// name -> value, keeping insertion order (loss first, then metrics, then val_*).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace petal {

class Logs {
 public:
  using Entry = std::pair<std::string, double>;
  Logs() = default;
  Logs(std::initializer_list<Entry> entries);

  // Sets (or adds at the end) a value.
  void set(const std::string& name, double value);
  bool contains(const std::string& name) const;
  std::optional<double> get(const std::string& name) const;
  // The value; throws ConfigError naming the missing key and the available ones.
  double at(const std::string& name) const;
  void erase(const std::string& name);
  std::vector<std::string> keys() const;
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace petal
