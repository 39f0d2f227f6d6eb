// The shared rules of layer config schemas (see config_rules.h).
#include "layers/config_rules.h"

#include "petal/core/error.h"
#include "petal/layers/activations.h"
#include "petal/layers/initializers.h"

namespace petal::detail {

using nlohmann::json;

JsonRule parsed_name(void (*parse)(const std::string&)) {
  JsonRule r = json_string();
  r.custom = [parse](const json& v, const std::string& path) -> std::optional<JsonViolation> {
    try {
      parse(v.get<std::string>());
    } catch (const ConfigError& e) {
      std::string expected = e.what();
      const size_t at = expected.find("expected ");
      expected = at == std::string::npos ? "a known name" : expected.substr(at + 9);
      if (!expected.empty() && expected.back() == '.') expected.pop_back();
      return JsonViolation{path, expected, describe_json(v)};
    }
    return std::nullopt;
  };
  return r;
}

JsonRule activation_rule() { return parsed_name([](const std::string& s) { activation_from_string(s); }); }
JsonRule initializer_rule() { return parsed_name([](const std::string& s) { initializer_from_string(s); }); }
JsonRule padding_rule() { return json_string({"valid", "same"}); }
JsonRule window_pair_rule(double min) { return json_array(json_integer(min, kMaxWindow), 2, 2); }

JsonRule input_shape_rule() {
  JsonRule r = json_array(json_integer(1, static_cast<double>(kMaxModelDimension)), 1, 3);
  r.custom = [](const json& v, const std::string& path) -> std::optional<JsonViolation> {
    double elements = 1;
    for (const auto& d : v) elements *= d.get<double>();
    if (elements <= static_cast<double>(kMaxSampleElements)) return std::nullopt;
    return JsonViolation{path, "at most 2^31 elements per sample", describe_json(v)};
  };
  return r;
}

JsonRule config_rule_with(std::vector<JsonField> own) {
  std::vector<JsonField> fields = {{"name", json_string()}, {"input_shape", input_shape_rule(), false}};
  for (auto& f : own) fields.push_back(std::move(f));
  return json_object(std::move(fields));
}

double shape_elements(const Shape& shape) {
  double n = 1;
  for (int64_t d : shape) n *= static_cast<double>(d);
  return n;
}

std::array<int64_t, 2> pair_or(const json& config, const char* key, std::array<int64_t, 2> fallback) {
  return config.contains(key) ? config.at(key).get<std::array<int64_t, 2>>() : fallback;
}

}  // namespace petal::detail
