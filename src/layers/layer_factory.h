// Rebuilds layers from their type name and config_json() (model files).
#pragma once

#include <memory>
#include <string>

#include "petal/layers/layer.h"

namespace petal::detail {

// Throws IoError naming the type when it is unknown or the config is malformed.
std::unique_ptr<Layer> layer_from_config(const std::string& type, const std::string& config_json);

}  // namespace petal::detail
