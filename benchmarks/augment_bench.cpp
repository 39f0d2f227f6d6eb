// Single-thread throughput of random augmentation of 64x64x3 images with the
// tutorial's ImageDataGenerator settings (images/s in the items_per_second column).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "petal/core/cpu_info.h"
#include "petal/core/rng.h"
#include "petal/data/image_data_generator.h"

namespace {

using petal::ImageDataGenerator;

// ImageDataGenerator(rotation_range=20, zoom_range=0.15, width_shift_range=0.2,
// height_shift_range=0.2, shear_range=0.15, horizontal_flip=True, fill_mode="nearest")
ImageDataGenerator tutorial_generator() { return ImageDataGenerator(petal::tutorial_augmentation()); }

petal::Tensor images(int64_t n) {
  petal::Tensor x({n, 64, 64, 3});
  petal::Rng rng(1);
  for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(rng.below(256));
  return x;
}

// get_random_transform + apply_transform into a preallocated image.
void BM_RandomTransform64x64x3(benchmark::State& state) {
  const ImageDataGenerator gen = tutorial_generator();
  const petal::Tensor x = images(32);
  const petal::Shape hwc{64, 64, 3};
  const auto row = static_cast<size_t>(x.row_size());
  std::vector<float> out(row);
  petal::Rng rng(7);
  int64_t i = 0;
  for (auto _ : state) {
    const auto src = x.values().subspan(static_cast<size_t>(i++ % 32) * row, row);
    gen.apply_transform(src, hwc, gen.get_random_transform(hwc, rng), out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RandomTransform64x64x3);

// The warp alone (a rotation + zoom + shift map, every pixel interpolated).
void BM_AffineWarp64x64x3(benchmark::State& state) {
  const petal::Tensor x = images(1);
  std::vector<float> out(static_cast<size_t>(x.size()));
  const auto map = petal::keras_affine_map(12.5, 3.2, -4.1, 0.1, 0.93, 1.08, 64, 64).value();
  for (auto _ : state) {
    petal::affine_warp(x.values(), out, 64, 64, 3, map);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AffineWarp64x64x3);

// A whole flow() batch of 32 (augment + standardize + gather labels).
void BM_FlowBatch32(benchmark::State& state) {
  const ImageDataGenerator gen = tutorial_generator();
  auto it = gen.flow(images(1020), petal::Tensor({1020, 17}), {.batch_size = 32, .seed = 3});
  int64_t i = 0;
  for (auto _ : state) {
    petal::Batch b = it->get(i++ % it->size());
    benchmark::DoNotOptimize(b.x[0].data());
  }
  state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_FlowBatch32);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("onednn_isa", petal::kernel_isa());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
