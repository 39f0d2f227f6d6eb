// End-to-end throughput of any zoo model (batch 32 by default): training steps
// with SGD momentum, or inference (predict_on_batch). Prints one JSON line with
// images/s and the model's useful FLOPs per image (convolutions and Dense, as a
// direct computation counts them), so that the caller can set it against the
// machine's FMA peak.
//   zoo_throughput --model NAME [--size S] [--alpha A] [--classes K] [--mode train|infer]
//                  [--steps N] [--warmup W] [--threads T] [--batch B] [--profile 1]
// --profile 1 adds one JSON line per layer (forward and backward ms per step).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "petal/core/cpu_info.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"

namespace {

struct Flops {
  double forward = 0, train = 0;
};

// Multiply-adds of each Conv2D, DepthwiseConv2D and Dense (2 FLOPs each). A
// training step computes them three times (forward, input gradient, weight
// gradient), except that the first of these layers needs no input gradient.
Flops useful_flops(const petal::Model& model) {
  Flops f;
  bool first = true;
  for (const petal::Layer* l : model.layers()) {
    double macs = 0;
    const petal::Shape& in = l->input_shape();
    const petal::Shape& out = l->output_shape();
    if (const auto* c = dynamic_cast<const petal::Conv2D*>(l)) {
      const auto& o = c->options();
      macs = static_cast<double>(out[0] * out[1] * out[2]) * o.kernel_size[0] * o.kernel_size[1] * in[2] / o.groups;
    } else if (const auto* d = dynamic_cast<const petal::DepthwiseConv2D*>(l)) {
      const auto& o = d->options();
      macs = static_cast<double>(out[0] * out[1] * out[2]) * o.kernel_size[0] * o.kernel_size[1];
    } else if (dynamic_cast<const petal::Dense*>(l)) {
      macs = static_cast<double>(in.back()) * out.back();
    } else {
      continue;
    }
    f.forward += 2 * macs;
    f.train += 2 * macs * (first ? 2 : 3);
    first = false;
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_name = "resnet18", mode = "train";
  int steps = 10, warmup = 3, threads = 0, batch = 32, profile = 0, size = 64, classes = 17;
  double alpha = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--model") model_name = argv[i + 1];
    else if (a == "--mode") mode = argv[i + 1];
    else if (a == "--size") size = std::atoi(argv[i + 1]);
    else if (a == "--alpha") alpha = std::atof(argv[i + 1]);
    else if (a == "--classes") classes = std::atoi(argv[i + 1]);
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
  petal::Model model = petal::build_model(
      model_name, {.height = size, .width = size, .depth = 3, .classes = classes, .seed = 1, .alpha = alpha});
  model.compile(petal::SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  petal::Rng rng(2);
  petal::Tensor x({batch, size, size, 3}), y({batch, classes});
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(0, 1));
  for (int i = 0; i < batch; ++i) y.at({i, i % classes}) = 1;
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
  const Flops flops = useful_flops(model);
  std::printf("{\"system\": \"petal\", \"model\": \"%s\", \"size\": %d, \"alpha\": %g, \"mode\": \"%s\", "
              "\"batch\": %d, \"threads\": %d, \"steps\": %d, \"median_ms\": %.3f, \"ips\": %.1f, \"isa\": \"%s\", "
              "\"flops_per_image\": %.0f}\n",
              model_name.c_str(), size, alpha, mode.c_str(), batch, petal::num_threads(), steps, median,
              batch * 1000.0 / median, petal::kernel_isa().c_str(), mode == "train" ? flops.train : flops.forward);
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
