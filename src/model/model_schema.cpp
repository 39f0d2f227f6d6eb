// The model description's schema: the top-level keys, one config rule per layer
// type and per optimizer, names checked against petal's own lists, and the arrays
// the description implies.
#include "model/model_schema.h"

#include <map>
#include <set>

#include "layers/layer_factory.h"
#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/activations.h"
#include "petal/layers/initializers.h"
#include "petal/losses/loss.h"
#include "petal/metrics/metric.h"

namespace petal::detail {

namespace {

using nlohmann::json;
using Kind = JsonRule::Kind;

constexpr double kMaxUnits = 1 << 24;   // filters, units
constexpr double kMaxWindow = 1 << 16;  // kernel, pool and stride sizes
constexpr double kMaxU64 = 18446744073709551615.0;

// A string checked by one of petal's parsers (which throw ConfigError "unknown
// x 'y'; expected one of ...").
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

JsonRule activation() { return parsed_name([](const std::string& s) { activation_from_string(s); }); }
JsonRule initializer() { return parsed_name([](const std::string& s) { initializer_from_string(s); }); }
JsonRule loss() { return parsed_name([](const std::string& s) { loss_from_string(s); }); }
JsonRule metric() {
  return parsed_name([](const std::string& s) { resolve_metric(s, Loss::CategoricalCrossentropy, 2); });
}

JsonRule pair(double min) { return json_array(json_integer(min, kMaxWindow), 2, 2); }

JsonRule shape_rule() {
  JsonRule r = json_array(json_integer(1, static_cast<double>(kMaxModelDimension)), 1, 3);
  r.custom = [](const json& v, const std::string& path) -> std::optional<JsonViolation> {
    double elements = 1;
    for (const auto& d : v) elements *= d.get<double>();
    if (elements <= static_cast<double>(kMaxSampleElements)) return std::nullopt;
    return JsonViolation{path, "at most 2^31 elements per sample", describe_json(v)};
  };
  return r;
}

// name and the optional declared input_shape, then the type's own keys.
JsonRule layer_config(std::vector<JsonField> own) {
  std::vector<JsonField> fields = {{"name", json_string()}, {"input_shape", shape_rule(), false}};
  for (auto& f : own) fields.push_back(std::move(f));
  return json_object(std::move(fields));
}

std::map<std::string, JsonRule> layer_rules() {
  const JsonRule padding = json_string({"valid", "same"});
  std::map<std::string, JsonRule> rules;
  rules["Conv2D"] = layer_config({{"filters", json_integer(1, kMaxUnits)}, {"kernel_size", pair(1)},
                                  {"strides", pair(1)}, {"padding", padding}, {"activation", activation()},
                                  {"use_bias", json_boolean()}, {"kernel_initializer", initializer()},
                                  {"bias_initializer", initializer()}, {"kernel_l2", json_number(0, 1e30), false}});
  rules["Dense"] = layer_config({{"units", json_integer(1, kMaxUnits)}, {"activation", activation()},
                                 {"use_bias", json_boolean()}, {"kernel_initializer", initializer()},
                                 {"bias_initializer", initializer()}, {"kernel_l2", json_number(0, 1e30), false}});
  rules["BatchNormalization"] = layer_config({{"axis", json_integer(-4, 4)}, {"momentum", json_number(0, 1)},
                                              {"epsilon", json_number(1e-30, 1e30)}, {"center", json_boolean()},
                                              {"scale", json_boolean()}});
  const JsonRule pooling = layer_config({{"pool_size", pair(1)}, {"strides", pair(1)}, {"padding", padding}});
  rules["MaxPooling2D"] = pooling;
  rules["AveragePooling2D"] = pooling;
  rules["GlobalAveragePooling2D"] = layer_config({});
  rules["Flatten"] = layer_config({});
  rules["Dropout"] = layer_config({{"rate", json_number(0, 1, true)}, {"seed", json_integer(0, kMaxU64), false}});
  rules["Activation"] = layer_config({{"activation", activation()}});
  return rules;
}

std::vector<std::string> keys_of(const std::map<std::string, JsonRule>& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

std::map<std::string, JsonRule> optimizer_rules() {
  const auto rate = [](const char* key) { return JsonField{key, json_number(0, 1e30), false}; };
  std::vector<JsonField> base = {{"learning_rate", json_number(0, 1e30)}, rate("decay")};
  const auto with = [&](std::vector<JsonField> own) {
    std::vector<JsonField> f = base;
    for (auto& x : own) f.push_back(std::move(x));
    return json_object(std::move(f));
  };
  std::map<std::string, JsonRule> rules;
  rules["SGD"] = with({rate("momentum"), {"nesterov", json_boolean(), false}});
  rules["Adam"] = with({{"beta_1", json_number(0, 1, true), false}, {"beta_2", json_number(0, 1, true), false},
                        rate("epsilon"), {"amsgrad", json_boolean(), false}});
  rules["RMSprop"] = with({rate("rho"), rate("epsilon")});
  rules["AdamW"] = with({{"beta_1", json_number(0, 1, true), false}, {"beta_2", json_number(0, 1, true), false},
                         rate("epsilon"), {"amsgrad", json_boolean(), false}, rate("weight_decay"),
                         {"decay_all_weights", json_boolean(), false}});
  rules["SGDW"] = with({rate("momentum"), {"nesterov", json_boolean(), false}, rate("weight_decay"),
                        {"decay_all_weights", json_boolean(), false}});
  rules["Adagrad"] = with({rate("epsilon")});
  return rules;
}

// {"type": ..., "config": {...}}: the config checked by the type's rule.
JsonRule typed_entry(const std::map<std::string, JsonRule>& rules, const char* type_key) {
  JsonRule r = json_object({{type_key, json_string(keys_of(rules))}, {"config", json_object({})}});
  r.custom = [&rules, type_key](const json& v, const std::string& path) {
    return validate_json(v.at("config"), rules.at(v.at(type_key).get<std::string>()), json_path(path, "config"));
  };
  return r;
}

// A reference to a call's output, Keras's [layer name, call index, tensor index].
JsonRule tensor_ref() {
  JsonRule r = json_array(JsonRule{}, 3, 3);
  r.custom = [](const json& v, const std::string& path) -> std::optional<JsonViolation> {
    if (v[0].is_string() && v[1].is_number_unsigned() && v[2].is_number_unsigned() && v[2] == 0) return std::nullopt;
    return JsonViolation{path, "[layer name, call index, 0]", describe_json(v)};
  };
  return r;
}

// A layer entry: a type the layer factory knows, its config (checked by the
// type's rule where this schema has one, else for its name), and in a graph the
// calls that feed it (inbound_nodes).
JsonRule layer_entry(const std::map<std::string, JsonRule>& rules) {
  static const JsonRule named = layer_config({});
  JsonRule r = json_object({{"type", json_string(known_layer_types())},
                            {"config", json_object({})},
                            {"inbound_nodes", json_array(json_array(tensor_ref(), 1, 1024), 0, 1 << 16), false}});
  r.custom = [&rules](const json& v, const std::string& path) {
    const auto it = rules.find(v.at("type").get<std::string>());
    return validate_json(v.at("config"), it == rules.end() ? named : it->second, json_path(path, "config"));
  };
  return r;
}

// Layer names are unique (weights are stored under them).
JsonRule layer_list(const std::map<std::string, JsonRule>& rules) {
  JsonRule r = json_array(layer_entry(rules), 1, 100000);
  r.custom = [](const json& v, const std::string& path) -> std::optional<JsonViolation> {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < v.size(); ++i) {
      const auto& name = v[i].at("config").at("name");
      if (const auto [it, fresh] = seen.emplace(name.get<std::string>(), i); !fresh) {
        return JsonViolation{json_path(json_path(json_path(path, i), "config"), "name"),
                             "a name no other layer has (layers[" + std::to_string(it->second) + "] has it)",
                             describe_json(name)};
      }
    }
    return std::nullopt;
  };
  return r;
}

bool is_graph(const json& v) { return v.value("class_name", std::string("Sequential")) == "Model"; }

JsonRule document_rule() {
  static const std::map<std::string, JsonRule> layers = layer_rules();
  static const std::map<std::string, JsonRule> optimizers = optimizer_rules();
  JsonRule r = json_object({
      {"format", json_string({"petal.model"})},
      {"version", json_integer(1, 2)},
      {"class_name", json_string({"Sequential", "Model"}), false},
      {"name", json_string()},
      {"seed", json_integer(0, kMaxU64)},
      {"input_shape", shape_rule(), false},
      {"layers", layer_list(layers)},
      {"input_layers", json_array(tensor_ref(), 1, 1024), false},
      {"output_layers", json_array(tensor_ref(), 1, 1024), false},
      {"compiled", json_boolean()},
      {"optimizer", typed_entry(optimizers, "name"), false},
      {"loss", loss(), false},
      {"losses", json_array(loss(), 1, 1024), false},
      {"loss_weights", json_array(json_number(-1e30, 1e30), 1, 1024), false},
      {"label_smoothing", json_number(0, 1), false},
      {"metrics", json_array(metric(), 0, 64), false},
      {"iterations", json_integer(0, 1e18), false},
      {"epochs_completed", json_integer(0, 1e9)},
  });
  r.custom = [](const json& v, const std::string&) -> std::optional<JsonViolation> {
    const char* needed[] = {"input_shape", "input_layers", "output_layers"};
    for (size_t k = is_graph(v) ? 1 : 0; k < (is_graph(v) ? 3u : 1u); ++k) {
      if (!v.contains(needed[k])) {
        return JsonViolation{needed[k], std::string("a value (") + (is_graph(v) ? "a graph" : "a Sequential") + ")",
                             "nothing (the key is missing)"};
      }
    }
    if (!v.at("compiled").get<bool>()) return std::nullopt;
    for (const char* key : {"optimizer", "loss", "iterations"}) {
      if (!v.contains(key)) {
        return JsonViolation{key, "a value (the model is compiled)", "nothing (the key is missing)"};
      }
    }
    return std::nullopt;
  };
  return r;
}

// The arrays a compiled model's description implies.
void check_arrays(const json& document, const NamedArrays& arrays, const std::string& what) {
  std::map<std::string, const NpyArray*> by_name;
  for (const auto& [name, a] : arrays) by_name[name] = &a;
  if (document.at("compiled").get<bool>()) {
    const auto it = by_name.find("optimizer/iterations");
    if (it == by_name.end() || it->second->size() != 1 || it->second->dtype() == DType::Float32 ||
        it->second->dtype() == DType::Float64 || it->second->dtype() == DType::Float16) {
      throw IoError(what + ": array 'optimizer/iterations': expected one integer; received " +
                    (it == by_name.end() ? std::string("no such array")
                                         : std::string(dtype_descr(it->second->dtype())) + " of shape " +
                                               to_string(it->second->shape())) + ".");
    }
  }
  // optimizer/<weight>/<slot>: shaped like its weight (the weight's shape is
  // checked against the model once it is built).
  for (const auto& [name, a] : arrays) {
    if (name.rfind("optimizer/", 0) != 0 || name == "optimizer/iterations") continue;
    const size_t slash = name.rfind('/');
    const auto weight = by_name.find(name.substr(10, slash - 10));
    if (slash <= 10 || weight == by_name.end() || weight->second->shape() != a.shape()) {
      throw IoError(what + ": array '" + name + "': expected an optimizer slot shaped like weight '" +
                    (slash <= 10 ? std::string("?") : name.substr(10, slash - 10)) + "'; received shape " +
                    to_string(a.shape()) + (weight == by_name.end() ? " and no such weight" : "") + ".");
    }
  }
}

double elements(const Shape& shape) {
  double n = 1;
  for (int64_t d : shape) n *= static_cast<double>(d);
  return n;
}

std::array<int64_t, 2> pair_or(const json& j, const char* key, std::array<int64_t, 2> fallback) {
  return j.contains(key) ? j.at(key).get<std::array<int64_t, 2>>() : fallback;
}

// The input shapes flow through the layers; the weights they imply must be in the
// archive (restore_weights needs one array of the exact shape per weight).
void check_shapes(const json& document, const NamedArrays& arrays, const std::string& what) {
  Shape shape = document.at("input_shape").get<Shape>();
  double implied = 0;
  const json& layers = document.at("layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    const Shape in = shape;
    shape = layer_output_shape(layers[i].at("type").get<std::string>(), layers[i].at("config"), in, implied);
    if (shape.empty() || elements(shape) < 1) {
      throw IoError(what + ": the model description's layer " + std::to_string(i) + " (" +
                    layers[i].at("type").get<std::string>() + " '" +
                    escape_text(layers[i].at("config").at("name").get<std::string>(), 40) +
                    "') cannot take input " + to_string(in) + (shape.empty() ? "" : ": its output would be empty") +
                    ".");
    }
  }
  double stored = 0;
  for (const auto& [name, a] : arrays) {
    if (name.rfind("optimizer/", 0) != 0 && name != "petal_model.json") stored += static_cast<double>(a.size());
  }
  if (implied > stored) {
    throw IoError(what + ": the model description's layers need " + std::to_string(static_cast<long long>(
                                                                            std::min(implied, 9e18))) +
                  " weights; the archive holds " + std::to_string(static_cast<long long>(stored)) +
                  ". The file is corrupt or crafted.");
  }
}

// A Sequential of layers whose shape and weight rules layer_output_shape knows
// exactly (plain convolutions: no dilation or groups).
bool walkable(const json& document) {
  static const std::set<std::string> known = {"Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
                                              "Flatten", "Dense", "BatchNormalization", "Activation", "Dropout"};
  if (is_graph(document)) return false;
  for (const auto& l : document.at("layers")) {
    if (!known.count(l.at("type").get<std::string>())) return false;
    const json& c = l.at("config");
    if ((c.contains("groups") && c.at("groups") != json(1)) ||
        (c.contains("dilation_rate") && c.at("dilation_rate") != json::array({1, 1}))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Shape layer_output_shape(const std::string& type, const json& j, const Shape& in, double& weights) {
  const bool conv = type == "Conv2D";
  if (conv || type == "MaxPooling2D" || type == "AveragePooling2D") {
    if (in.size() != 3) return {};
    const auto k = pair_or(j, conv ? "kernel_size" : "pool_size", {2, 2});
    const auto s = pair_or(j, "strides", conv ? std::array<int64_t, 2>{1, 1} : k);
    const Padding p = padding_from_string(j.value("padding", std::string("valid")));
    const int64_t c = conv ? j.at("filters").get<int64_t>() : in[2];
    if (conv) {
      weights += static_cast<double>(k[0] * k[1]) * static_cast<double>(in[2]) * static_cast<double>(c) +
                 (j.value("use_bias", true) ? static_cast<double>(c) : 0.0);
    }
    return {axis_geometry(in[0], k[0], s[0], p).out, axis_geometry(in[1], k[1], s[1], p).out, c};
  }
  if (type == "GlobalAveragePooling2D") return in.size() == 3 ? Shape{in[2]} : Shape{};
  if (type == "Flatten") {
    if (in.size() != 1 && in.size() != 3) return {};
    return {static_cast<int64_t>(std::min(elements(in), 9e18))};
  }
  if (type == "Dense") {
    if (in.empty()) return {};
    const int64_t units = j.at("units").get<int64_t>();
    weights += static_cast<double>(in.back()) * static_cast<double>(units) +
               (j.value("use_bias", true) ? static_cast<double>(units) : 0.0);
    Shape out = in;
    out.back() = units;
    return out;
  }
  if (type == "BatchNormalization") {
    if (in.empty()) return {};
    weights += 4.0 * static_cast<double>(in.back());
  }
  return in;  // BatchNormalization, Activation, Dropout, and types this walk does not know
}

const JsonRule& model_document_rule() {
  static const JsonRule rule = document_rule();
  return rule;
}

const JsonRule* layer_config_rule(const std::string& type) {
  static const std::map<std::string, JsonRule> rules = layer_rules();
  const auto it = rules.find(type);
  return it == rules.end() ? nullptr : &it->second;
}

void validate_model_document(const json& document, const NamedArrays& arrays, const std::string& what) {
  if (!document.is_object()) {
    throw IoError(what + ": expected the model description to be a JSON object; received " + describe_json(document) +
                  ".");
  }
  const auto format = document.find("format");
  if (format == document.end() || *format != "petal.model") {
    throw IoError(what + ": expected a petal model file (format 'petal.model'); received format " +
                  (format == document.end() ? std::string("(none)") : describe_json(*format)) + ".");
  }
  const auto version = document.find("version");
  if (version != document.end() && version->is_number_integer() && (*version < 1 || *version > 2)) {
    throw IoError(what + ": expected model file version 1 to 2; received version " + describe_json(*version) +
                  ".\nHint: this file was written by another petal version.");
  }
  if (const auto bad = validate_json(document, model_document_rule())) {
    throw IoError(what + ": the model description's field '" + bad->field + "': expected " + bad->expected +
                  "; received " + bad->received + ".");
  }
  // A chain of the layers layer_output_shape knows can be walked here; the
  // shapes of other models are checked as they are built.
  if (walkable(document)) check_shapes(document, arrays, what);
  check_arrays(document, arrays, what);
}

}  // namespace petal::detail
