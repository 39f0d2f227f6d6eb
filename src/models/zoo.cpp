// Model zoo registry.
#include "petal/models/zoo.h"

#include "petal/core/error.h"

namespace petal {

std::vector<std::string> zoo_models() { return {"minivggnet"}; }

Sequential build_model(const std::string& name, const ZooOptions& options) {
  if (name == "minivggnet") return minivggnet(options);
  std::string known;
  for (const auto& n : zoo_models()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown model '" + name + "'; expected one of " + known + ".");
}

}  // namespace petal
