// A training step and a predict step allocate no buffers once warm: every
// malloc-family call in the process (petal, oneDNN, the C++ runtime) is counted while steps run.
// Its own executable: it interposes malloc, which must not meet the sanitizers.
#include <dlfcn.h>
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <string>

#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"
#include "petal/core/cpu_info.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {

std::atomic<bool> counting{false};
std::atomic<long> small_allocs{0}, large_allocs{0}, large_bytes{0};
constexpr size_t kLarge = 4096;  // a "buffer": anything a page or more

void note(size_t bytes) {
  if (!counting.load(std::memory_order_relaxed)) return;
  if (bytes >= kLarge) {
    large_allocs.fetch_add(1, std::memory_order_relaxed);
    large_bytes.fetch_add(static_cast<long>(bytes), std::memory_order_relaxed);
  } else {
    small_allocs.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

extern "C" {
void* malloc(size_t n) {
  note(n);
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  note(a * b);
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  note(n);
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
int posix_memalign(void** out, size_t align, size_t n) {
  note(n);
  *out = __libc_memalign(align, n);
  return *out ? 0 : ENOMEM;
}
void* aligned_alloc(size_t align, size_t n) {
  note(n);
  return __libc_memalign(align, n);
}
void* memalign(size_t align, size_t n) {
  note(n);
  return __libc_memalign(align, n);
}
}

namespace {

// Images and steps per model. A warm step's allocations do not depend on the
// batch size, so the functional zoo runs small batches: at 64x64 the ResNets'
// small-input stem keeps full resolution through conv2 (ResNet-50: ~32 GFLOP per
// training image), and 32 images x 10 steps would take minutes on a 2-core
// machine, more with ONEDNN_MAX_CPU_ISA=AVX. The ImageNet ResNets also run fewer
// steps: plans, buffers and optimizer slots all exist after the first step.
struct Run {
  int64_t batch;
  int warmup, counted;
};

Run run_for(const std::string& name) {
  if (name == "resnet18" || name == "resnet34" || name == "resnet50") return {2, 3, 3};
  if (name == "mobilenet_v2" || name == "resnet20" || name == "resnet56") return {8, 5, 5};
  return {32, 5, 5};  // the tutorial's networks and vgg_bn
}

// Warm inference steps (predict_on_batch, fused post-ops included) of a trained
// model; returns the buffer allocations counted. The returned probabilities
// ([batch, 17], under a page) are the only allocation the API itself makes.
long warm_predict_buffers(petal::Model& model, const std::string& name, const petal::Tensor& x) {
  const auto [batch, warmup, steps] = run_for(name);
  for (int i = 0; i < warmup; ++i) model.predict_on_batch(x);
  small_allocs = large_allocs = large_bytes = 0;
  counting = true;
  for (int i = 0; i < steps; ++i) model.predict_on_batch(x);
  counting = false;
  std::printf("%-12s batch %2lld per predict: %.1f small allocations, %.1f buffer allocations (%ld bytes)\n",
              name.c_str(), static_cast<long long>(batch), static_cast<double>(small_allocs) / steps,
              static_cast<double>(large_allocs) / steps, large_bytes.load() / steps);
  return large_allocs.load();
}

struct Counts {
  long train = 0, predict = 0;
};

// Warm steps of one zoo model at 64x64; returns the buffer allocations counted
// (training steps in `train`, then predict steps of the trained model).
Counts warm_step_buffers(const std::string& name) {
  const auto t0 = std::chrono::steady_clock::now();
  petal::Model model = petal::build_model(name, {.height = 64, .width = 64, .depth = 3, .classes = 17, .seed = 1});
  model.compile(petal::SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  const auto [batch, warmup, steps] = run_for(name);
  petal::Tensor x({batch, 64, 64, 3}, 0.5f), y({batch, 17});
  for (int64_t i = 0; i < batch; ++i) y.at({i, i % 17}) = 1.0f;
  for (int i = 0; i < warmup; ++i) model.train_on_batch(x, y);  // warm-up: plans, buffers, optimizer slots, pool
  small_allocs = large_allocs = large_bytes = 0;
  counting = true;
  for (int i = 0; i < steps; ++i) model.train_on_batch(x, y);
  counting = false;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%-12s batch %2lld per step: %.1f small allocations (< %zu bytes), %.1f buffer allocations (%ld bytes); %.0f s\n",
              name.c_str(), static_cast<long long>(batch), static_cast<double>(small_allocs) / steps, kLarge,
              static_cast<double>(large_allocs) / steps, large_bytes.load() / steps, seconds);
  const long train = large_allocs.load();
  return {train, warm_predict_buffers(model, name, x)};
}

}  // namespace

// Every zoo model, on whatever ISA oneDNN dispatches (ONEDNN_MAX_CPU_ISA caps it).
int main() {
  std::printf("oneDNN ISA: %s\n", petal::kernel_isa().c_str());
  int failed = 0;
  for (const std::string& name : petal::zoo_models()) {
    const auto [buffers, predict_buffers] = warm_step_buffers(name);
    if (buffers != 0) {
      std::printf("FAIL: %s: warm training steps allocated %ld buffers of %zu bytes or more\n", name.c_str(),
                  buffers, kLarge);
      ++failed;
    }
    if (predict_buffers != 0) {
      std::printf("FAIL: %s: warm predict steps allocated %ld buffers of %zu bytes or more\n", name.c_str(),
                  predict_buffers, kLarge);
      ++failed;
    }
  }
  if (failed != 0) return 1;
  std::printf("PASS: no buffer allocation in warm training or predict steps\n");
  return 0;
}
