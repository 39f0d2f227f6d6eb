// The schema of a model file's description (petal_model.json, what save() writes),
// checked by load_model before it builds anything, so a hostile file fails cleanly.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "petal/core/shape.h"

#include "io/json_schema.h"
#include "petal/io/npz.h"

namespace petal::detail {

// The largest input shape a model file may declare: each dimension, and elements
// per sample (2^31: 8 GiB per float sample, far beyond any real image).
inline constexpr int64_t kMaxModelDimension = int64_t{1} << 20;
inline constexpr int64_t kMaxSampleElements = int64_t{1} << 31;

// The rule for a version-1 model description; extend it key by key (for example a
// `graph` section) where the document grows.
const JsonRule& model_document_rule();

// The rule for one layer's `config` of layer type `type`; nullptr for a type
// petal does not know.
const JsonRule* layer_config_rule(const std::string& type);

// The output shape (per sample) of a layer of type `type` with a config that passed
// layer_config_rule, for input `in`, following the layers' own shape rules; adds
// the weights it creates to `weights` (a double: hostile sizes cannot overflow).
// Empty when the layer cannot take `in` (wrong rank). Unknown types pass `in` on.
Shape layer_output_shape(const std::string& type, const nlohmann::json& config, const Shape& in, double& weights);

// Throws IoError "<what>: the model description's field '<path>': expected ...;
// received ..." for the first departure from the schema: the document itself, the
// format and version, the layers' shapes (each layer can take its input), and the
// arrays the document implies (no more weights than the archive holds, so that a
// hostile file cannot make load_model allocate more than it carries;
// optimizer/iterations; optimizer slots shaped like their weights). `what` names
// the file.
void validate_model_document(const nlohmann::json& document, const NamedArrays& arrays, const std::string& what);

}  // namespace petal::detail
