// The schema of a model file's description (petal_model.json, what save() writes),
// checked by load_model before it builds anything, so a hostile file fails cleanly.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "petal/core/shape.h"

#include "io/json_schema.h"
#include "layers/config_rules.h"
#include "petal/io/npz.h"

namespace petal::detail {

// The rule for a version-1 model description; extend it key by key (for example a
// `graph` section) where the document grows.
const JsonRule& model_document_rule();

// The rule the layer factory holds for a `config` of layer type `type`; nullptr
// for a type petal does not know or one that declares none (only its name is checked).
const JsonRule* layer_config_rule(const std::string& type);

// Throws IoError "<what>: the model description's field '<path>': expected ...;
// received ..." for the first departure from the schema: the document itself, the
// format and version, the layers' shapes (each layer can take its input), and the
// arrays the document implies (no more weights than the archive holds, so that a
// hostile file cannot make load_model allocate more than it carries;
// optimizer/iterations; optimizer slots shaped like their weights). `what` names
// the file.
void validate_model_document(const nlohmann::json& document, const NamedArrays& arrays, const std::string& what);

}  // namespace petal::detail
