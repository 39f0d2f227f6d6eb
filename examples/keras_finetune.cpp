// Fine-tunes a Keras model file in petal: load the .h5 (Sequential or
// functional, with its optimizer state when it has one), fit on arrays, save .h5.
// Usage: example_keras_finetune IN.h5 OUT.h5   (IN takes 16x16x3 images, 4 classes)
#include <petal/interop/keras.h>
#include <petal/optimizers/adam.h>

#include <iostream>

#include "synthetic.h"

int main(int argc, char** argv) try {
  if (argc != 3) throw std::invalid_argument("usage: example_keras_finetune IN.h5 OUT.h5");
  petal::Model model = petal::load_model(argv[1]);  // .h5: read as Keras's load_model would
  std::cout << model.summary();
  // A file without a training_config (saved uncompiled) is compiled here, as in Keras.
  if (!model.compiled()) model.compile(petal::Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  petal::Tensor x, y;
  make_blobs(256, 16, 4, /*seed=*/3, x, y);
  const petal::History history = model.fit(x, y, {.batch_size = 32, .epochs = 4, .verbose = 2});
  model.save(argv[2]);  // .h5: Keras 2's model file, which keras.models.load_model reads
  const double acc = history.at("accuracy").back();
  std::cout << "fine-tuned: accuracy " << acc << ", saved " << argv[2] << "\n";
  return acc > 0.5 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "example_keras_finetune: " << e.what() << "\n";
  return 1;
}
