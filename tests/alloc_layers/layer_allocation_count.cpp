// Warm training steps of models made of the convolution-family layers allocate
// no buffers: every malloc-family call in the process is counted while steps run.
// Its own executable (it interposes malloc); the zoo models' check is tests/alloc.
#include <dlfcn.h>
#include <malloc.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "petal/layers/conv2d.h"
#include "petal/layers/conv2d_transpose.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/depthwise_conv2d.h"
#include "petal/layers/padding2d.h"
#include "petal/layers/pooling.h"
#include "petal/layers/separable_conv2d.h"
#include "petal/layers/up_sampling2d.h"
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
std::atomic<long> large_allocs{0};
constexpr size_t kLarge = 4096;  // a "buffer": anything a page or more

void note(size_t bytes) {
  if (counting.load(std::memory_order_relaxed) && bytes >= kLarge) large_allocs.fetch_add(1);
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

using namespace petal;
using P2 = std::array<int64_t, 2>;

// Every new layer, in blocked layouts (16+ channels) and plain ones.
void body(Sequential& m) {
  m.add(ZeroPadding2D({.padding = {P2{1, 0}, P2{0, 1}}}));
  m.add(Conv2D({.filters = 16, .dilation_rate = {2, 2}}));
  m.add(Conv2D({.filters = 32, .padding = Padding::Same, .groups = 4, .activation = "relu"}));
  m.add(DepthwiseConv2D({.strides = {2, 2}, .padding = Padding::Same, .depth_multiplier = 2}));
  m.add(SeparableConv2D({.filters = 32, .padding = Padding::Same, .activation = "relu"}));
  m.add(Conv2DTranspose({.filters = 16, .strides = {2, 2}, .padding = Padding::Same, .output_padding = P2{1, 1}}));
  m.add(Cropping2D({.cropping = 1}));
  m.add(UpSampling2D({.interpolation = "bilinear"}));
  m.add(MaxPooling2D({.pool_size = {3, 3}, .strides = {2, 2}, .padding = Padding::Same}));
  m.add(UpSampling2D({.size = {2, 3}}));
  m.add(AveragePooling2D({.pool_size = {3, 2}, .strides = {1, 2}, .padding = Padding::Same}));
  m.add(GlobalMaxPooling2D());
  m.add(Dense({.units = 5, .activation = "softmax"}));
}

Sequential padded_first() {
  Sequential m({.seed = 1, .input_shape = {24, 24, 3}});
  body(m);
  return m;
}

// Cropping2D first: its window follows the model input's buffer, which changes between steps.
Sequential cropped_first() {
  Sequential m({.seed = 2, .input_shape = {26, 27, 3}});
  m.add(Cropping2D({.cropping = {P2{1, 1}, P2{2, 1}}}));
  body(m);
  return m;
}

// Returns the buffer allocations counted over warm steps.
long warm_step_buffers(const std::string& name, Sequential model) {
  model.compile(SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  const Shape in = model.layers().front()->input_shape();
  Tensor x1({16, in[0], in[1], in[2]}, 0.5f), x2({16, in[0], in[1], in[2]}, -0.25f), y({16, 5});
  for (int i = 0; i < 16; ++i) y.at({i, i % 5}) = 1.0f;
  for (int i = 0; i < 6; ++i) model.train_on_batch(i % 2 ? x2 : x1, y);  // warm-up
  large_allocs = 0;
  counting = true;
  for (int i = 0; i < 6; ++i) model.train_on_batch(i % 2 ? x2 : x1, y);
  counting = false;
  std::printf("%-14s %.1f buffer allocations per warm step\n", name.c_str(), large_allocs.load() / 6.0);
  return large_allocs.load();
}

}  // namespace

int main() {
  int failed = 0;
  failed += warm_step_buffers("padded_first", padded_first()) != 0;
  failed += warm_step_buffers("cropped_first", cropped_first()) != 0;
  if (failed != 0) {
    std::printf("FAIL: warm training steps allocated buffers of %zu bytes or more\n", kLarge);
    return 1;
  }
  std::printf("PASS: no buffer allocation in warm training steps\n");
  return 0;
}
