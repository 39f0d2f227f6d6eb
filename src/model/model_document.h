// The JSON description of a model inside a model file: format, version, the
// architecture (a Sequential's layer list, or a graph's layers with the calls
// that feed them, as Keras's inbound_nodes), compile settings and training position.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "petal/model/model.h"

namespace petal::detail {

nlohmann::json model_document(const Model& model);
// A model built (and compiled, when the document says so) from a description;
// IoError naming `what` and the field for a malformed one.
Model model_from_document(const nlohmann::json& doc, const std::string& what);

}  // namespace petal::detail
