// The second way to train: an endless generator that augments batches on the
// fly, with steps_per_epoch marking where an epoch ends (fit_generator).
// Usage: example_fit_generator [--tiny]
#include <petal/layers/conv2d.h>
#include <petal/layers/core_layers.h>
#include <petal/layers/dense.h>
#include <petal/layers/pooling.h>
#include <petal/model/sequential.h>
#include <petal/optimizers/sgd.h>

#include <cstring>
#include <iostream>

#include "synthetic.h"

// Yields random batches from the training arrays forever, each image flipped
// horizontally half of the time. Memory stays at one batch, however long it runs.
class FlippingGenerator : public petal::Generator {
 public:
  FlippingGenerator(const petal::Tensor& x, const petal::Tensor& y, int64_t batch) : x_(x), y_(y), batch_(batch) {}
  petal::Batch next() override {
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < batch_; ++i) rows.push_back(static_cast<int64_t>(rng_.below(static_cast<uint64_t>(x_.dim(0)))));
    petal::Batch b{x_.gather(rows), y_.gather(rows), {}};
    const int64_t h = b.x[0].dim(1), w = b.x[0].dim(2), c = b.x[0].dim(3);
    for (int64_t i = 0; i < batch_; ++i) {
      if (rng_.uniform() < 0.5) continue;
      for (int64_t r = 0; r < h; ++r) {
        for (int64_t q = 0; q < w / 2; ++q) {
          for (int64_t ch = 0; ch < c; ++ch) std::swap(b.x[0].at({i, r, q, ch}), b.x[0].at({i, r, w - 1 - q, ch}));
        }
      }
    }
    return b;
  }

 private:
  const petal::Tensor &x_, &y_;
  int64_t batch_;
  petal::Rng rng_{7};
};

int main(int argc, char** argv) {
  const bool tiny = argc > 1 && std::strcmp(argv[1], "--tiny") == 0;
  const int64_t size = 16, classes = 4, n = tiny ? 256 : 4096, batch = 32;
  petal::Tensor x, y, vx, vy;
  make_blobs(n, size, classes, 1, x, y);
  make_blobs(n / 4, size, classes, 2, vx, vy);

  petal::Sequential model({.seed = 42, .input_shape = {size, size, 3}});
  model.add(petal::Conv2D({.filters = 8, .padding = petal::Padding::Same, .activation = "relu"}));
  model.add(petal::MaxPooling2D());
  model.add(petal::Flatten());
  model.add(petal::Dense({.units = classes, .activation = "softmax"}));
  model.compile(petal::SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});

  FlippingGenerator train(x, y, batch);
  const petal::History history =
      model.fit_generator(train, {.steps_per_epoch = n / batch, .epochs = tiny ? 3 : 10, .verbose = tiny ? 2 : 1,
                                  .validation_data = petal::ValidationData{vx, vy}, .workers = 1});
  const double acc = history.at("val_accuracy").back();
  std::cout << "final val_accuracy " << acc << "\n";
  return acc > 0.8 ? 0 : 1;
}
