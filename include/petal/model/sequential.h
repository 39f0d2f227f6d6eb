// Sequential: a model that is a linear stack of layers, built with add() (Keras's
// Sequential). Everything else is Model's: it is one kind of Model.
#pragma once

#include <memory>
#include <string>

#include "petal/model/model.h"

namespace petal {

struct SequentialOptions {
  uint64_t seed = 0;  // weight initialisation and dropout masks derive from it
  std::string name = "sequential_1";
  Shape input_shape = {};  // per-sample input shape; or give it to the first layer
  ConvAlgorithm conv_algorithm = ConvAlgorithm::Auto;
};

class Sequential : public Model {
 public:
  explicit Sequential(SequentialOptions options = {});

  // Appends a layer, naming it Keras-style (conv2d_1, ...) if it has no name, and
  // builds it at once when the input shape is known.
  Layer& add(std::shared_ptr<Layer> layer);
  Layer& add(std::unique_ptr<Layer> layer) { return add(std::shared_ptr<Layer>(std::move(layer))); }
  template <typename L>
    requires std::derived_from<L, Layer>
  L& add(L layer) {
    return static_cast<L&>(add(std::shared_ptr<Layer>(std::make_shared<L>(std::move(layer)))));
  }
};

}  // namespace petal
