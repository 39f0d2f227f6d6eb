// Model zoo registry and the argument checks every builder shares.
#include "petal/models/zoo.h"

#include <cmath>
#include <functional>
#include <utility>

#include "models/zoo_checks.h"
#include "petal/core/error.h"

namespace petal {

namespace {

using ZooBuilder = std::function<Model(const ZooOptions&)>;

const std::vector<std::pair<std::string, ZooBuilder>>& registry() {
  static const std::vector<std::pair<std::string, ZooBuilder>> models = {
      {"minivggnet", minivggnet}, {"shallownet", shallownet}, {"lenet", lenet},       {"vgg_bn", vgg_bn},
      {"resnet18", resnet18},     {"resnet34", resnet34},     {"resnet50", resnet50}, {"resnet20", resnet20},
      {"resnet56", resnet56},     {"mobilenet_v2", mobilenet_v2}};
  return models;
}

}  // namespace

namespace detail {

void check_zoo_options(const std::string& model, const ZooOptions& o) {
  if (o.height < 1 || o.width < 1 || o.depth < 1 || o.classes < 1) {
    throw ConfigError(model + ": expected positive height, width, depth and classes; received " +
                      std::to_string(o.height) + ", " + std::to_string(o.width) + ", " + std::to_string(o.depth) +
                      ", " + std::to_string(o.classes) + ".");
  }
  if (!(o.alpha > 0) || !std::isfinite(o.alpha)) {
    throw ConfigError(model + ": expected a positive width multiplier alpha; received " + std::to_string(o.alpha) + ".");
  }
  if (o.bn_momentum && !(*o.bn_momentum >= 0 && *o.bn_momentum < 1)) {
    throw ConfigError(model + ": expected bn_momentum in [0, 1); received " + std::to_string(*o.bn_momentum) + ".");
  }
}

}  // namespace detail

std::vector<std::string> zoo_models() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

Model build_model(const std::string& name, const ZooOptions& options) {
  for (const auto& [known, build] : registry()) {
    if (known != name) continue;
    detail::check_zoo_options("build_model('" + name + "')", options);
    return build(options);
  }
  std::string known;
  for (const auto& n : zoo_models()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown model '" + name + "'; expected one of " + known + ".");
}

}  // namespace petal
