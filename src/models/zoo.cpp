// Model zoo registry.
#include "petal/models/zoo.h"

#include "petal/core/error.h"

namespace petal {

std::vector<std::string> zoo_models() { return {"minivggnet", "shallownet", "lenet", "vgg_bn"}; }

Model build_model(const std::string& name, const ZooOptions& options) {
  if (options.height < 1 || options.width < 1 || options.depth < 1 || options.classes < 1) {
    throw ConfigError("build_model('" + name + "'): expected positive height, width, depth and classes; received " +
                      std::to_string(options.height) + ", " + std::to_string(options.width) + ", " +
                      std::to_string(options.depth) + ", " + std::to_string(options.classes) + ".");
  }
  if (name == "minivggnet") return minivggnet(options);
  if (name == "shallownet") return shallownet(options);
  if (name == "lenet") return lenet(options);
  if (name == "vgg_bn") return vgg_bn(options);
  std::string known;
  for (const auto& n : zoo_models()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown model '" + name + "'; expected one of " + known + ".");
}

}  // namespace petal
