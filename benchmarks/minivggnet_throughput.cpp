// End-to-end MiniVGGNet throughput (64x64x3, batch 32): training steps with SGD
// momentum, or inference (predict_on_batch). Prints one JSON line.
//   minivggnet_throughput [--mode train|infer] [--steps N] [--warmup W] [--threads T] [--batch B]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"

int main(int argc, char** argv) {
  std::string mode = "train";
  int steps = 20, warmup = 3, threads = 0, batch = 32;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--mode") mode = argv[i + 1];
    else if (a == "--steps") steps = std::atoi(argv[i + 1]);
    else if (a == "--warmup") warmup = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--batch") batch = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  petal::set_num_threads(threads);
  petal::Sequential model = petal::minivggnet({.seed = 1});
  model.compile(petal::SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  petal::Rng rng(2);
  petal::Tensor x({batch, 64, 64, 3}), y({batch, 17});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(0, 255));
  for (int i = 0; i < batch; ++i) y.at({i, i % 17}) = 1;
  std::vector<double> ms;
  for (int i = 0; i < warmup + steps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (mode == "train") {
      model.train_on_batch(x, y);
    } else {
      model.predict_on_batch(x);
    }
    const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i >= warmup) ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  std::printf("{\"system\": \"petal\", \"mode\": \"%s\", \"batch\": %d, \"threads\": %d, \"steps\": %d, "
              "\"median_ms\": %.3f, \"ips\": %.1f}\n",
              mode.c_str(), batch, petal::num_threads(), steps, median, batch * 1000.0 / median);
  return 0;
}
