// fit against fit_generator on MiniVGGNet (64x64x3, batch 32): images/s of
//   fit            arrays in RAM,
//   sequence       fit_generator over a trivial Sequence (slices of the same arrays),
//   augmented      fit_generator over ImageDataGenerator::flow with the tutorial's
//                  augmentation (rotation 20, zoom 0.15, shifts 0.2, shear 0.15,
//                  horizontal flips, fill nearest),
// interleaved over rounds; prints JSON lines and the ratios to fit.
//   fit_generator_throughput [--rounds R] [--batches B] [--workers W] [--threads T]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "petal/core/cpu_info.h"
#include "petal/data/image_data_generator.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"

namespace {

class Slices : public petal::Sequence {
 public:
  Slices(const petal::Tensor& x, const petal::Tensor& y, int64_t batch) : x_(x), y_(y), batch_(batch) {}
  int64_t size() const override { return x_.dim(0) / batch_; }
  petal::Batch get(int64_t i) override {
    return {x_.slice(i * batch_, (i + 1) * batch_), y_.slice(i * batch_, (i + 1) * batch_), {}};
  }

 private:
  const petal::Tensor &x_, &y_;
  int64_t batch_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 3, batches = 20, workers = 1, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (a == "--batches") batches = std::atoi(argv[i + 1]);
    else if (a == "--workers") workers = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
  }
  petal::set_num_threads(threads);
  const int64_t batch = 32, n = batch * batches;
  petal::Rng rng(1);
  petal::Tensor x({n, 64, 64, 3}), y({n, 17});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(0, 255));
  for (int64_t i = 0; i < n; ++i) y.at({i, i % 17}) = 1;
  petal::ImageDataGenerator aug(petal::tutorial_augmentation());
  auto make = [] {
    petal::Sequential m = petal::minivggnet({.seed = 1});
    m.compile(petal::SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
    return m;
  };
  petal::Sequential model = make();
  model.fit(x, y, {.batch_size = batch, .epochs = 1, .verbose = 0});  // warm-up: plans and buffers
  std::vector<double> fit_ips, seq_ips, aug_ips;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    model.fit(x, y, {.batch_size = batch, .epochs = 1, .verbose = 0});
    fit_ips.push_back(n / seconds_since(t0));
    Slices seq(x, y, batch);
    t0 = std::chrono::steady_clock::now();
    model.fit_generator(seq, {.epochs = 1, .verbose = 0, .workers = workers});
    seq_ips.push_back(n / seconds_since(t0));
    auto flow = aug.flow(x, y, {.batch_size = batch, .seed = static_cast<uint64_t>(r)});
    t0 = std::chrono::steady_clock::now();
    model.fit_generator(*flow, {.epochs = 1, .verbose = 0, .workers = workers});
    aug_ips.push_back(n / seconds_since(t0));
    std::printf("{\"round\": %d, \"fit_ips\": %.1f, \"sequence_ips\": %.1f, \"augmented_ips\": %.1f}\n", r,
                fit_ips.back(), seq_ips.back(), aug_ips.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double f = median(fit_ips), s = median(seq_ips), g = median(aug_ips);
  std::printf("{\"fit_ips\": %.1f, \"sequence_ips\": %.1f, \"augmented_ips\": %.1f, \"sequence_ratio\": %.3f, "
              "\"augmented_ratio\": %.3f, \"workers\": %d, \"threads\": %d, \"isa\": \"%s\"}\n",
              f, s, g, s / f, g / f, workers, petal::num_threads(), petal::kernel_isa().c_str());
  return 0;
}
