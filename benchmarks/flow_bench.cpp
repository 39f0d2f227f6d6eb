// Single-thread batches/s (and images/s) of 32-image batches with the tutorial's
// augmentation at 64x64: DirectoryIterator on Flowers-17 cold (every image decoded,
// as in the first epoch) and warm (decoded images from the cache, later epochs), and
// NumpyArrayIterator on in-memory images. The directory runs skip when Flowers-17 is
// absent; set PETAL_FLOWERS17_DIR to point at it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "petal/core/cpu_info.h"
#include "petal/core/rng.h"
#include "petal/data/flowers17.h"
#include "petal/data/image_data_generator.h"

namespace {

using petal::ImageDataGenerator;

std::string find_flowers17() { return petal::find_flowers17(PETAL_SOURCE_DIR).value_or(""); }

std::string& data_dir() {
  static std::string dir;
  return dir;
}

// ImageDataGenerator(rotation_range=20, zoom_range=0.15, width_shift_range=0.2,
// height_shift_range=0.2, shear_range=0.15, horizontal_flip=True, fill_mode="nearest")
ImageDataGenerator tutorial_generator() { return ImageDataGenerator(petal::tutorial_augmentation()); }

void count(benchmark::State& state, int64_t images) {
  state.SetItemsProcessed(images);
  state.counters["batches/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Walks the epoch's batches in turn (one get() per iteration).
// The warm iterator is made (and its cache filled) once, outside the timed loop.
void run_directory(benchmark::State& state, petal::CacheMode mode) {
  static std::unique_ptr<petal::DirectoryIterator> warm;
  std::unique_ptr<petal::DirectoryIterator> cold;
  auto make = [&] {
    return tutorial_generator().flow_from_directory(
        data_dir(), {.target_size = {64, 64}, .batch_size = 32, .seed = 1, .cache_mode = mode});
  };
  if (mode == petal::CacheMode::On && !warm) {
    warm = make();
    warm->preload(1);
  }
  if (mode != petal::CacheMode::On) cold = make();
  petal::DirectoryIterator* it = cold ? cold.get() : warm.get();
  int64_t i = 0, images = 0;
  for (auto _ : state) {
    petal::Batch b = it->get(i++ % it->size());
    images += b.x[0].dim(0);
    benchmark::DoNotOptimize(b.x[0].data());
  }
  count(state, images);
}

void BM_DirectoryFlow64_Cold(benchmark::State& state) { run_directory(state, petal::CacheMode::Off); }
void BM_DirectoryFlow64_Warm(benchmark::State& state) { run_directory(state, petal::CacheMode::On); }

void BM_NumpyFlow64(benchmark::State& state) {
  petal::Tensor x({1360, 64, 64, 3});
  petal::Rng rng(1);
  for (int64_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(rng.below(256));
  auto it = tutorial_generator().flow(x, petal::Tensor({1360, 17}), {.batch_size = 32, .seed = 1});
  int64_t i = 0, images = 0;
  for (auto _ : state) {
    petal::Batch b = it->get(i++ % it->size());
    images += b.x[0].dim(0);
    benchmark::DoNotOptimize(b.x[0].data());
  }
  count(state, images);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("onednn_isa", petal::kernel_isa());
  data_dir() = find_flowers17();
  if (data_dir().empty()) {
    std::printf("flow_bench: Flowers-17 not found (set PETAL_FLOWERS17_DIR); skipping the "
                "directory benchmarks.\n");
  } else {
    benchmark::RegisterBenchmark("BM_DirectoryFlow64_Cold", BM_DirectoryFlow64_Cold)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_DirectoryFlow64_Warm", BM_DirectoryFlow64_Warm)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("BM_NumpyFlow64", BM_NumpyFlow64)->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
