// End-to-end MiniVGGNet throughput (64x64x3, batch 32): training steps with SGD
// momentum, or inference (predict_on_batch). Prints one JSON line.
//   minivggnet_throughput [--mode train|infer] [--steps N] [--warmup W] [--threads T] [--batch B] [--profile 1]
// --profile 1 adds one JSON line per layer (forward and backward ms per step).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "petal/core/cpu_info.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"

int main(int argc, char** argv) {
  std::string mode = "train";
  int steps = 20, warmup = 3, threads = 0, batch = 32, profile = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--mode") mode = argv[i + 1];
    else if (a == "--steps") steps = std::atoi(argv[i + 1]);
    else if (a == "--warmup") warmup = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--batch") batch = std::atoi(argv[i + 1]);
    else if (a == "--profile") profile = std::atoi(argv[i + 1]);
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
    if (profile && i == warmup) model.set_profiling(true);
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
              "\"median_ms\": %.3f, \"ips\": %.1f, \"isa\": \"%s\"}\n",
              mode.c_str(), batch, petal::num_threads(), steps, median, batch * 1000.0 / median,
              petal::kernel_isa().c_str());
  if (profile && mode == "train") {
    const auto p = model.profile();
    double fwd = 0, bwd = 0;
    for (const auto& l : p.layers) {
      std::printf("{\"layer\": \"%s\", \"forward_ms\": %.3f, \"backward_ms\": %.3f}\n", l.layer.c_str(),
                  l.forward_ms, l.backward_ms);
      fwd += l.forward_ms;
      bwd += l.backward_ms;
    }
    std::printf("{\"profile\": \"step\", \"forward_ms\": %.3f, \"backward_ms\": %.3f, \"loss_ms\": %.3f, "
                "\"optimizer_ms\": %.3f, \"total_ms\": %.3f}\n",
                fwd, bwd, p.loss_ms, p.optimizer_ms, p.total_ms);
  }
  return 0;
}
