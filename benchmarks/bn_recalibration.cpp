// An experiment, not a benchmark: how much of a trained model's test accuracy is
// lost to batch-norm moving statistics that lag the weights. It evaluates the
// model on its run's test split, then re-estimates only the moving statistics
// (train_on_batch with learning rate 0 on training batches: weights untouched,
// moving averages updated with the model's own momentum) and evaluates again.
// The README's "Accuracy on Flowers-17" section quotes its output.
//
//   bn_recalibration MODEL.petal DATA_DIR SEED [STEPS=300] [AUGMENT=tutorial|none]
//
// SEED must be the run's (config.json), and the run the tutorial preset's, so
// that the test split is the one the run reported on.
#include <cstdio>
#include <exception>
#include <string>

#include "tutorial_split.h"
#include "petal/data/image_data_generator.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"

int main(int argc, char** argv) {
  using namespace petal;
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL.petal DATA_DIR SEED [STEPS=300] [AUGMENT=tutorial|none]\n", argv[0]);
    return 2;
  }
  try {
    const uint64_t seed = std::stoull(argv[3]);
    const int steps = argc > 4 ? std::stoi(argv[4]) : 300;
    const std::string augment = argc > 5 ? argv[5] : "tutorial";
    if (augment != "tutorial" && augment != "none") throw std::invalid_argument("AUGMENT must be tutorial or none");
    const Dataset d = load_dataset(tutorial_split(argv[2], seed));
    Model model = load_model(argv[1]);
    const double before = model.evaluate(d.test_x, d.test_y).at("accuracy");
    model.compile(SGD({.learning_rate = 0.0}), "categorical_crossentropy", {"accuracy"});
    const ImageDataGenerator generator(augment == "tutorial" ? tutorial_augmentation() : ImageDataGeneratorOptions{});
    auto flow = generator.flow(d.train_x, d.train_y, {.batch_size = 32, .shuffle = true, .seed = seed});
    for (int i = 0; i < steps; ++i) {
      const Batch b = flow->next();
      model.train_on_batch(b.x, b.y);
    }
    const double after = model.evaluate(d.test_x, d.test_y).at("accuracy");
    std::printf("{\"model\": \"%s\", \"seed\": %llu, \"steps\": %d, \"augment\": \"%s\", "
                "\"test_accuracy\": %.4f, \"test_accuracy_recalibrated\": %.4f}\n",
                argv[1], static_cast<unsigned long long>(seed), steps, augment.c_str(), before, after);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bn_recalibration: %s\n", e.what());
    return 1;
  }
}
