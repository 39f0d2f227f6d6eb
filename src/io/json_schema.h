// A small declarative schema for JSON documents petal reads back (model files):
// kinds, ranges, allowed strings, required keys, and per-value custom checks.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace petal::detail {

// Where a document departs from its schema: the field's path ("layers[2].config.filters"),
// what the schema expects ("an integer in [1, 1048576]") and the value received, quoted.
struct JsonViolation {
  std::string field;
  std::string expected;
  std::string received;
};

struct JsonField;

// What one JSON value must be. Builders below make the common rules; fields are
// plain so that a schema can be extended key by key (graph models add a section).
struct JsonRule {
  enum class Kind { Any, Object, Array, String, Integer, Number, Boolean };
  Kind kind = Kind::Any;
  std::optional<double> min{}, max{};   // Integer / Number: inclusive bounds
  bool exclusive_max = false;            // Number: value < max instead of <=
  std::vector<std::string> one_of{};    // String: allowed values (empty: any)
  std::shared_ptr<const JsonRule> items{};  // Array: rule for each element
  size_t min_items = 0, max_items = std::numeric_limits<size_t>::max();
  std::vector<JsonField> fields;        // Object: known keys (others are allowed)
  // Runs after the checks above pass: an empty expectation when the value is fine,
  // else what was expected. `path` is the value's own field path.
  std::function<std::optional<JsonViolation>(const nlohmann::json& value, const std::string& path)> custom{};
};

struct JsonField {
  std::string key;
  JsonRule rule;
  bool required = true;
};

// Builders.
JsonRule json_string(std::vector<std::string> one_of = {});
JsonRule json_integer(double min, double max);
JsonRule json_number(double min, double max, bool exclusive_max = false);
JsonRule json_boolean();
JsonRule json_array(JsonRule items, size_t min_items = 0, size_t max_items = std::numeric_limits<size_t>::max());
JsonRule json_object(std::vector<JsonField> fields);

// The first violation found walking `value` against `rule` (fields in schema
// order, arrays in index order), or none. `path` names `value` ("" for the root).
std::optional<JsonViolation> validate_json(const nlohmann::json& value, const JsonRule& rule,
                                           const std::string& path = "");

// A value for an error message: JSON text, at most `max_chars` characters, with
// control and non-ASCII bytes escaped, so a hostile file cannot reach the terminal.
std::string describe_json(const nlohmann::json& value, size_t max_chars = 40);

// "a.b" / "a[3]" path joins.
std::string json_path(const std::string& parent, const std::string& key);
std::string json_path(const std::string& parent, size_t index);

}  // namespace petal::detail
