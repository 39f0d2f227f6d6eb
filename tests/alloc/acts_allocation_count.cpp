// A warm training step of a model made of the activation, normalisation, noise
// and reshaping layers allocates no buffers (every malloc-family call of a page
// or more is counted while steps run). Its own executable: it interposes malloc.
#include <dlfcn.h>
#include <malloc.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "petal/layers/activation_layers.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/layer_normalization.h"
#include "petal/layers/noise_layers.h"
#include "petal/layers/rescaling.h"
#include "petal/layers/reshaping.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> buffers{0};
constexpr size_t kLarge = 4096;
void note(size_t bytes) {
  if (counting.load(std::memory_order_relaxed) && bytes >= kLarge) buffers.fetch_add(1, std::memory_order_relaxed);
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

int main() {
  using namespace petal;
  Sequential m({.seed = 1, .input_shape = {32, 32, 3}});
  m.add(Rescaling({.scale = 1.0f / 255}));
  m.add(Conv2D({.filters = 16, .padding = Padding::Same, .activation = "swish"}));
  m.add(BatchNormalization({.axis = 1}));
  m.add(PReLU({.shared_axes = {1, 2}}));
  m.add(Conv2D({.filters = 16, .padding = Padding::Same, .activation = "relu6"}));
  m.add(ReLU({.max_value = 6, .negative_slope = 0.1f, .threshold = 0.1f}));
  m.add(SpatialDropout2D(0.2f));
  m.add(GaussianNoise(0.1f));
  m.add(GaussianDropout(0.1f));
  m.add(LayerNormalization());
  m.add(LayerNormalization({.axis = {1}}));
  m.add(ELU());
  m.add(LeakyReLU());
  m.add(Permute({.dims = {2, 1, 3}}));
  m.add(Reshape({.target_shape = {-1, 16}}));
  m.add(Softmax({.axis = 1}));
  m.add(Flatten());
  m.add(Dense({.units = 10, .activation = "gelu"}));
  m.add(Dense({.units = 10, .activation = "hard_sigmoid"}));
  m.add(Dense({.units = 5}));
  m.add(Softmax());
  m.compile(SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  Tensor x({16, 32, 32, 3}, 100.0f), y({16, 5});
  for (int64_t i = 0; i < 16; ++i) y.at({i, i % 5}) = 1.0f;
  for (int i = 0; i < 5; ++i) m.train_on_batch(x, y);
  counting = true;
  for (int i = 0; i < 5; ++i) m.train_on_batch(x, y);
  counting = false;
  std::printf("warm steps: %ld buffer allocations (>= %zu bytes) in 5 steps\n", buffers.load(), kLarge);
  if (buffers.load() != 0) {
    std::printf("FAIL: warm training steps allocated buffers\n");
    return 1;
  }
  std::printf("PASS\n");
  return 0;
}
