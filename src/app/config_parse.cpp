// Option value parsing shared by the command line and config files.
#include "app/config_parse.h"
#include "core/ascii.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "petal/core/error.h"
#include "petal/core/text_escape.h"

namespace petal::detail {

namespace {

bool to_double(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

}  // namespace

std::string option_label(const std::string& origin, const std::string& key) {
  if (origin != "--") return origin + key;
  std::string flag = key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return "--" + flag;
}

void bad_value(const std::string& label, const std::string& expected, const std::string& value) {
  throw ConfigError(label + ": expected " + expected + "; received '" + escape_text(value, 80) + "'.");
}

int64_t parse_int(const std::string& label, const std::string& value, int64_t min, int64_t max) {
  int64_t out = 0;
  const char* b = value.data();
  const char* e = b + value.size();
  const auto [ptr, ec] = std::from_chars(b, e, out);
  const std::string range = max == INT64_MAX ? "an integer >= " + std::to_string(min)
                                             : "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (ec != std::errc() || ptr != e || value.empty() || out < min || out > max) bad_value(label, range, value);
  return out;
}

double parse_number(const std::string& label, const std::string& value, double min, double max, bool max_open) {
  double out = 0;
  std::string range = "a number";
  if (std::isfinite(max)) {
    range += " in [" + format_number(min) + ", " + format_number(max) + (max_open ? ")" : "]");
  } else {
    range += " >= " + format_number(min);
  }
  if (!to_double(value, out) || out < min || out > max || (max_open && out >= max)) bad_value(label, range, value);
  return out;
}

bool parse_bool(const std::string& label, const std::string& value) {
  const std::string v = ascii_lower(value);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  bad_value(label, "true or false", value);
}

std::string parse_choice(const std::string& label, const std::string& value, const std::vector<std::string>& choices) {
  const std::string v = ascii_lower(value);
  for (const auto& c : choices) {
    if (v == c) return c;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : " | ") + c;
  bad_value(label, "one of " + list, value);
}

std::pair<int64_t, int64_t> parse_image_size(const std::string& label, const std::string& value) {
  const auto x = ascii_lower(value).find('x');
  const std::string expected = "a size in pixels such as 64 or HxW such as 64x48 (1 to 4096)";
  try {
    if (x == std::string::npos) {
      const int64_t s = parse_int(label, value, 1, 4096);
      return {s, s};
    }
    return {parse_int(label, value.substr(0, x), 1, 4096), parse_int(label, value.substr(x + 1), 1, 4096)};
  } catch (const ConfigError&) {
    bad_value(label, expected, value);
  }
}

double parse_rescale(const std::string& label, const std::string& value) {
  const std::string v = ascii_lower(value);
  if (v == "none" || v == "0") return 0.0;
  const auto slash = v.find('/');
  double a = 0, b = 0;
  if (slash != std::string::npos && to_double(v.substr(0, slash), a) && to_double(v.substr(slash + 1), b) && b != 0 &&
      a / b >= 0) {
    return a / b;
  }
  if (slash == std::string::npos && to_double(v, a) && a >= 0) return a;
  bad_value(label, "a factor >= 0 such as 1/255 or 0.00392 (0 or none: no rescaling)", value);
}

std::vector<double> parse_range(const std::string& label, const std::string& value, bool allow_none) {
  const std::string v = ascii_lower(value);
  if (allow_none && (v.empty() || v == "none")) return {};
  const auto comma = v.find(',');
  double a = 0, b = 0;
  if (comma == std::string::npos || !to_double(v.substr(0, comma), a) || !to_double(v.substr(comma + 1), b) || a > b) {
    bad_value(label, std::string("two numbers LOW,HIGH with LOW <= HIGH") + (allow_none ? " (or none)" : ""), value);
  }
  return {a, b};
}

std::string format_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back as v
  return std::string(buf, r.ptr);
}

}  // namespace petal::detail
