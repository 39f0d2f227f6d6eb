// The third way to train: a custom loop of train_on_batch / test_on_batch that
// drives the same callbacks (progress bar, early stopping, CSV log) by hand.
// Usage: example_custom_loop [--tiny]
#include <petal/callbacks/csv_logger.h>
#include <petal/callbacks/early_stopping.h>
#include <petal/callbacks/history.h>
#include <petal/callbacks/progbar_logger.h>
#include <petal/layers/conv2d.h>
#include <petal/layers/core_layers.h>
#include <petal/layers/dense.h>
#include <petal/layers/pooling.h>
#include <petal/model/sequential.h>
#include <petal/optimizers/adam.h>

#include <cstring>
#include <filesystem>
#include <iostream>

#include "synthetic.h"

int main(int argc, char** argv) {
  const bool tiny = argc > 1 && std::strcmp(argv[1], "--tiny") == 0;
  const int64_t size = 16, classes = 4, n = tiny ? 128 : 2048, batch = 32, epochs = tiny ? 4 : 15;
  petal::Tensor x, y, vx, vy;
  make_blobs(n, size, classes, 1, x, y);
  make_blobs(n / 4, size, classes, 2, vx, vy);

  petal::Sequential model({.seed = 3, .input_shape = {size, size, 3}});
  model.add(petal::Conv2D({.filters = 8, .padding = petal::Padding::Same, .activation = "relu"}));
  model.add(petal::MaxPooling2D());
  model.add(petal::Flatten());
  model.add(petal::Dense({.units = classes, .activation = "softmax"}));
  model.compile(petal::Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});

  auto history = std::make_shared<petal::History>();
  const auto csv_path = std::filesystem::temp_directory_path() / "petal_custom_loop.csv";
  petal::CallbackList callbacks({std::make_shared<petal::ProgbarLogger>(petal::ProgbarLoggerOptions{.count_steps = true}),
                                 std::make_shared<petal::EarlyStopping>(petal::EarlyStoppingOptions{.patience = 2}),
                                 std::make_shared<petal::CSVLogger>(csv_path), history});
  const int64_t steps = n / batch;
  callbacks.set_model(&model);
  callbacks.set_params({.batch_size = batch, .epochs = epochs, .steps = steps, .verbose = 1,
                        .do_validation = true, .metrics = {"loss", "accuracy", "val_loss", "val_accuracy"}});
  petal::Logs logs;
  callbacks.on_train_begin(logs);
  petal::Rng rng(5);
  for (int64_t epoch = 0; epoch < epochs && !model.stop_training; ++epoch) {
    petal::Logs epoch_logs;
    callbacks.on_epoch_begin(epoch, epoch_logs);
    const std::vector<int64_t> order = rng.permutation(n);
    double loss = 0, acc = 0;
    for (int64_t step = 0; step < steps; ++step) {
      const std::vector<int64_t> rows(order.begin() + step * batch, order.begin() + (step + 1) * batch);
      petal::Logs batch_logs{{"batch", static_cast<double>(step)}, {"size", static_cast<double>(batch)}};
      callbacks.on_train_batch_begin(step, batch_logs);
      for (const auto& [k, v] : model.train_on_batch(x.gather(rows), y.gather(rows))) batch_logs.set(k, v);
      loss += batch_logs.at("loss") / steps;
      acc += batch_logs.at("accuracy") / steps;
      callbacks.on_train_batch_end(step, batch_logs);
    }
    epoch_logs.set("loss", loss);
    epoch_logs.set("accuracy", acc);
    const petal::Logs val = model.test_on_batch(vx, vy);
    epoch_logs.set("val_loss", val.at("loss"));
    epoch_logs.set("val_accuracy", val.at("accuracy"));
    callbacks.on_epoch_end(epoch, epoch_logs);
  }
  callbacks.on_train_end(logs);
  std::filesystem::remove(csv_path);
  const double final_acc = history->at("val_accuracy").back();
  std::cout << "final val_accuracy " << final_acc << "\n";
  return final_acc > 0.8 ? 0 : 1;
}
