// Argument checks shared by the zoo's model builders.
#pragma once

#include <string>

#include "petal/models/zoo.h"

namespace petal::detail {

// ConfigError naming `model` unless height, width, depth and classes are
// positive, alpha is positive and finite and bn_momentum (when set) is in [0, 1).
void check_zoo_options(const std::string& model, const ZooOptions& options);

}  // namespace petal::detail
