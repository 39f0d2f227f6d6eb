// Built-in models. MiniVGGNet is exactly the Flowers-17 tutorial's network
// (Conv -> ReLU -> BN ordering, see the Keras reference section 1.4).
#pragma once

#include <string>
#include <vector>

#include "petal/model/sequential.h"

namespace petal {

struct ZooOptions {
  int64_t height = 64, width = 64, depth = 3;
  int64_t classes = 17;
  uint64_t seed = 0;
  bool dropout = true;  // false builds the same network with every Dropout rate 0
};

// MiniVGGNet (PyImageSearch): 2x(CONV=>RELU=>BN) => POOL => DROPOUT, twice, then
// FC(512)=>RELU=>BN=>DROPOUT(0.5) => FC(classes) => SOFTMAX.
Sequential minivggnet(const ZooOptions& options);

// The model names `build_model` knows.
std::vector<std::string> zoo_models();
Sequential build_model(const std::string& name, const ZooOptions& options);

}  // namespace petal
