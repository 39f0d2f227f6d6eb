// ShallowNet and LeNet, layer for layer as PyImageSearch builds them (separate
// Activation layers, so Keras layer names and weight names match).
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/models/zoo.h"

namespace petal {

Sequential shallownet(const ZooOptions& o) {
  Sequential model({.seed = o.seed, .input_shape = {o.height, o.width, o.depth}});
  model.add(Conv2D({.filters = 32, .kernel_size = {3, 3}, .padding = Padding::Same}));
  model.add(Activation("relu"));
  model.add(Flatten());
  model.add(Dense({.units = o.classes}));
  model.add(Activation("softmax"));
  return model;
}

Sequential lenet(const ZooOptions& o) {
  Sequential model({.seed = o.seed, .input_shape = {o.height, o.width, o.depth}});
  for (int64_t filters : {20, 50}) {
    model.add(Conv2D({.filters = filters, .kernel_size = {5, 5}, .padding = Padding::Same}));
    model.add(Activation("relu"));
    model.add(MaxPooling2D({.pool_size = {2, 2}, .strides = {2, 2}}));
  }
  model.add(Flatten());
  model.add(Dense({.units = 500}));
  model.add(Activation("relu"));
  model.add(Dense({.units = o.classes}));
  model.add(Activation("softmax"));
  return model;
}

}  // namespace petal
