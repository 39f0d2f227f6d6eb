// Building blocks for the schemas of layer configs in model files: each layer
// type's rule (beside its reader, in the layer's own file) is made from these.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "io/json_schema.h"
#include "petal/core/shape.h"

namespace petal::detail {

// The largest input shape a model file may declare: each dimension, and elements
// per sample (2^31: 8 GiB per float sample, far beyond any real image).
inline constexpr int64_t kMaxModelDimension = int64_t{1} << 20;
inline constexpr int64_t kMaxSampleElements = int64_t{1} << 31;
inline constexpr double kMaxUnits = 1 << 24;   // filters, units
inline constexpr double kMaxWindow = 1 << 16;  // kernel, pool and stride sizes
inline constexpr double kMaxU64 = 18446744073709551615.0;

// A string checked by one of petal's parsers (which throw ConfigError "unknown
// x 'y'; expected one of ..."): the parser's list becomes the expectation.
JsonRule parsed_name(void (*parse)(const std::string&));
JsonRule activation_rule();
JsonRule initializer_rule();
JsonRule padding_rule();
// Two integers in [min, kMaxWindow]: kernel, pool and stride sizes.
JsonRule window_pair_rule(double min);
// A per-sample shape: 1 to 3 dimensions, at most kMaxSampleElements elements.
JsonRule input_shape_rule();
// A layer's config: name, the optional declared input_shape, then the type's own keys.
JsonRule config_rule_with(std::vector<JsonField> own);

// Helpers of the layers' shape walks (LayerKind::walk): elements of a shape as a
// double (hostile sizes cannot overflow), and a pair key with its default.
double shape_elements(const Shape& shape);
std::array<int64_t, 2> pair_or(const nlohmann::json& config, const char* key, std::array<int64_t, 2> fallback);

}  // namespace petal::detail
