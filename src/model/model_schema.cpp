// The model description's schema: the top-level keys, one config rule per layer
// type and per optimizer, names checked against petal's own lists, and the arrays
// the description implies.
#include "model/model_schema.h"

#include <map>

#include "layers/layer_factory.h"
#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/losses/loss.h"
#include "petal/metrics/metric.h"

namespace petal::detail {

namespace {

using nlohmann::json;
using Kind = JsonRule::Kind;

JsonRule loss() { return parsed_name([](const std::string& s) { loss_from_string(s); }); }
JsonRule metric() {
  return parsed_name([](const std::string& s) { resolve_metric(s, Loss::CategoricalCrossentropy, 2); });
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
// rule the type declares in the factory, else for its name), and in a graph the
// calls that feed it (inbound_nodes).
JsonRule layer_entry() {
  static const JsonRule named = config_rule_with({});
  JsonRule r = json_object({{"type", json_string(known_layer_types())},
                            {"config", json_object({})},
                            {"inbound_nodes", json_array(json_array(tensor_ref(), 1, 1024), 0, 1 << 16), false}});
  r.custom = [](const json& v, const std::string& path) {
    const JsonRule* rule = layer_config_rule(v.at("type").get<std::string>());
    return validate_json(v.at("config"), rule ? *rule : named, json_path(path, "config"));
  };
  return r;
}

// Layer names are unique (weights are stored under them).
JsonRule layer_list() {
  JsonRule r = json_array(layer_entry(), 1, 100000);
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
  static const std::map<std::string, JsonRule> optimizers = optimizer_rules();
  JsonRule r = json_object({
      {"format", json_string({"petal.model"})},
      {"version", json_integer(1, 2)},
      {"class_name", json_string({"Sequential", "Model"}), false},
      {"name", json_string()},
      {"seed", json_integer(0, kMaxU64)},
      {"input_shape", input_shape_rule(), false},
      {"layers", layer_list()},
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

// A Sequential's input shape flows through the layers' shape walks (the layer
// factory's); the weights they imply must be in the archive (restore_weights
// needs one array of the exact shape per weight). The walk stops at the first
// layer beyond it: later shapes are checked as the layers are built.
void check_shapes(const json& document, const NamedArrays& arrays, const std::string& what) {
  Shape shape = document.at("input_shape").get<Shape>();
  double implied = 0;
  const json& layers = document.at("layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    const Shape in = shape;
    const auto out = walk_layer(layers[i].at("type").get<std::string>(), layers[i].at("config"), in, implied);
    if (!out) return;
    shape = *out;
    if (shape.empty() || shape_elements(shape) < 1) {
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

}  // namespace

const JsonRule& model_document_rule() {
  static const JsonRule rule = document_rule();
  return rule;
}

const JsonRule* layer_config_rule(const std::string& type) {
  const LayerKind* kind = find_layer_kind(type);
  return kind && kind->config_rule ? &*kind->config_rule : nullptr;
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
  // A chain can be walked here; the shapes of graphs are checked as they are built.
  if (!is_graph(document)) check_shapes(document, arrays, what);
  check_arrays(document, arrays, what);
}

}  // namespace petal::detail
