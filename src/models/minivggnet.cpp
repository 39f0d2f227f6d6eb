// MiniVGGNet, layer for layer as the tutorial builds it.
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"

namespace petal {

Sequential minivggnet(const ZooOptions& o) {
  Sequential model({.seed = o.seed, .input_shape = {o.height, o.width, o.depth}});
  const float drop = o.dropout ? 0.25f : 0.0f;
  for (int64_t filters : {32, 64}) {
    for (int i = 0; i < 2; ++i) {
      model.add(Conv2D({.filters = filters, .kernel_size = {3, 3}, .padding = Padding::Same}));
      model.add(Activation("relu"));
      model.add(BatchNormalization({.momentum = o.bn_momentum.value_or(0.99f)}));
    }
    model.add(MaxPooling2D({.pool_size = {2, 2}}));
    model.add(Dropout(drop));
  }
  model.add(Flatten());
  model.add(Dense({.units = 512}));
  model.add(Activation("relu"));
  model.add(BatchNormalization({.momentum = o.bn_momentum.value_or(0.99f)}));
  model.add(Dropout(o.dropout ? 0.5f : 0.0f));
  model.add(Dense({.units = o.classes}));
  model.add(Activation("softmax"));
  return model;
}

}  // namespace petal
