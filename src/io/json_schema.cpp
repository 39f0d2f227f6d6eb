// validate_json: walks a document against a JsonRule and reports the first field
// that departs from it, with what was expected and what was received.
#include "io/json_schema.h"

#include <cmath>
#include <cstdio>

namespace petal::detail {

namespace {

using nlohmann::json;

std::string number_text(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e18) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string range_text(const JsonRule& r) {
  if (r.min && r.max) {
    return " in [" + number_text(*r.min) + ", " + number_text(*r.max) + (r.exclusive_max ? ")" : "]");
  }
  if (r.min) return " >= " + number_text(*r.min);
  if (r.max) return (r.exclusive_max ? " < " : " <= ") + number_text(*r.max);
  return "";
}

std::string expected_text(const JsonRule& r) {
  switch (r.kind) {
    case JsonRule::Kind::Object: return "an object";
    case JsonRule::Kind::Boolean: return "true or false";
    case JsonRule::Kind::Integer: return "an integer" + range_text(r);
    case JsonRule::Kind::Number: return "a number" + range_text(r);
    case JsonRule::Kind::String: {
      if (r.one_of.empty()) return "a string";
      std::string s = "one of";
      for (size_t i = 0; i < r.one_of.size(); ++i) s += (i ? ", '" : " '") + r.one_of[i] + "'";
      return s;
    }
    case JsonRule::Kind::Array: {
      std::string s = "a list";
      if (r.min_items == r.max_items) {
        s += " of " + std::to_string(r.min_items);
      } else if (r.max_items != std::numeric_limits<size_t>::max()) {
        s += " of " + std::to_string(r.min_items) + " to " + std::to_string(r.max_items);
      } else if (r.min_items > 0) {
        s += " of at least " + std::to_string(r.min_items);
      }
      return s + (r.items ? " (" + expected_text(*r.items) + ")" : "");
    }
    case JsonRule::Kind::Any: break;
  }
  return "a value";
}

bool kind_matches(const json& v, JsonRule::Kind kind) {
  switch (kind) {
    case JsonRule::Kind::Object: return v.is_object();
    case JsonRule::Kind::Array: return v.is_array();
    case JsonRule::Kind::String: return v.is_string();
    case JsonRule::Kind::Integer: return v.is_number_integer();
    case JsonRule::Kind::Number: return v.is_number();
    case JsonRule::Kind::Boolean: return v.is_boolean();
    case JsonRule::Kind::Any: break;
  }
  return true;
}

bool in_range(const json& v, const JsonRule& r) {
  // Unsigned values above int64's range compare as doubles (they only ever
  // exceed a finite max).
  const double d = v.is_number_unsigned() ? static_cast<double>(v.get<uint64_t>())
                   : v.is_number_integer() ? static_cast<double>(v.get<int64_t>())
                                           : v.get<double>();
  if (std::isnan(d)) return false;
  if (r.min && d < *r.min) return false;
  if (r.max && (r.exclusive_max ? d >= *r.max : d > *r.max)) return false;
  return true;
}

std::optional<JsonViolation> fail(const std::string& path, const JsonRule& r, const json& v) {
  return JsonViolation{path, expected_text(r), describe_json(v)};
}

}  // namespace

JsonRule json_string(std::vector<std::string> one_of) {
  JsonRule r;
  r.kind = JsonRule::Kind::String;
  r.one_of = std::move(one_of);
  return r;
}

JsonRule json_integer(double min, double max) {
  JsonRule r;
  r.kind = JsonRule::Kind::Integer;
  r.min = min;
  r.max = max;
  return r;
}

JsonRule json_number(double min, double max, bool exclusive_max) {
  JsonRule r;
  r.kind = JsonRule::Kind::Number;
  r.min = min;
  r.max = max;
  r.exclusive_max = exclusive_max;
  return r;
}

JsonRule json_boolean() {
  JsonRule r;
  r.kind = JsonRule::Kind::Boolean;
  return r;
}

JsonRule json_array(JsonRule items, size_t min_items, size_t max_items) {
  JsonRule r;
  r.kind = JsonRule::Kind::Array;
  r.items = std::make_shared<const JsonRule>(std::move(items));
  r.min_items = min_items;
  r.max_items = max_items;
  return r;
}

JsonRule json_object(std::vector<JsonField> fields) {
  JsonRule r;
  r.kind = JsonRule::Kind::Object;
  r.fields = std::move(fields);
  return r;
}

std::optional<JsonViolation> validate_json(const json& v, const JsonRule& r, const std::string& path) {
  if (!kind_matches(v, r.kind)) return fail(path, r, v);
  if ((r.kind == JsonRule::Kind::Integer || r.kind == JsonRule::Kind::Number) && !in_range(v, r)) {
    return fail(path, r, v);
  }
  if (r.kind == JsonRule::Kind::String && !r.one_of.empty()) {
    const auto& s = v.get_ref<const std::string&>();
    bool known = false;
    for (const auto& o : r.one_of) known = known || o == s;
    if (!known) return fail(path, r, v);
  }
  if (r.kind == JsonRule::Kind::Array) {
    if (v.size() < r.min_items || v.size() > r.max_items) {
      return JsonViolation{path, expected_text(r), "a list of " + std::to_string(v.size())};
    }
    for (size_t i = 0; r.items && i < v.size(); ++i) {
      if (auto bad = validate_json(v[i], *r.items, json_path(path, i))) return bad;
    }
  }
  for (const JsonField& f : r.fields) {
    if (!v.is_object()) break;
    const auto it = v.find(f.key);
    if (it == v.end()) {
      if (f.required) {
        return JsonViolation{json_path(path, f.key), expected_text(f.rule), "nothing (the key is missing)"};
      }
      continue;
    }
    if (auto bad = validate_json(*it, f.rule, json_path(path, f.key))) return bad;
  }
  if (r.custom) return r.custom(v, path);
  return std::nullopt;
}

std::string describe_json(const json& v, size_t max_chars) {
  // ensure_ascii escapes control and non-ASCII characters as \uXXXX; invalid
  // UTF-8 cannot come from nlohmann's parser, but a built value may hold it.
  std::string s = v.dump(-1, ' ', true, json::error_handler_t::replace);
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...";
  return s;
}

std::string json_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string json_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

}  // namespace petal::detail
