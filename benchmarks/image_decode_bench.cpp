// Images/s for decoding Flowers-17 JPEGs (~500 px) and resizing them to 64x64 on one
// thread: full-size decode vs libjpeg's reduced (1/4) decode, and a cache hit;
// plus load_images with 1 and 2 worker threads.
// Skips (exit 0) when the data is absent; set PETAL_FLOWERS17_DIR to point at it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "petal/core/cpu_info.h"
#include "petal/data/flowers17.h"
#include "petal/data/image_cache.h"
#include "petal/data/image_io.h"
#include "petal/data/image_loader.h"

namespace {

std::string find_flowers17() { return petal::find_flowers17(PETAL_SOURCE_DIR).value_or(""); }

std::vector<std::string>& paths() {
  static std::vector<std::string> list;
  return list;
}

// Decodes the images in turn (cycling through all 1360) so file sizes vary as in training.
void decode_resize(benchmark::State& state, bool reduced) {
  const petal::DecodeOptions options{.target_size = petal::ImageSize{64, 64}, .reduced_decode = reduced};
  size_t i = 0;
  for (auto _ : state) {
    petal::Image img = petal::decode_image(paths()[i++ % paths().size()], options);
    benchmark::DoNotOptimize(img.pixels.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DecodeResize64_Full(benchmark::State& state) { decode_resize(state, false); }
void BM_DecodeResize64_Reduced(benchmark::State& state) { decode_resize(state, true); }

// Later epochs: every image already in the cache.
void BM_DecodeResize64_CacheHit(benchmark::State& state) {
  const petal::DecodeOptions options{.target_size = petal::ImageSize{64, 64}};
  petal::ImageCache cache;
  for (size_t k = 0; k < 64; ++k) cache.get_or_decode(paths()[k], options);
  size_t i = 0;
  for (auto _ : state) {
    auto img = cache.get_or_decode(paths()[i++ % 64], options);
    benchmark::DoNotOptimize(img.get());
  }
  state.SetItemsProcessed(state.iterations());
}

// load_images over 136 files with state.range(0) worker threads (one tensor out).
void BM_LoadImages64_Reduced(benchmark::State& state) {
  std::vector<std::string> subset;
  for (size_t k = 0; k < paths().size(); k += 10) subset.push_back(paths()[k]);
  const petal::LoaderOptions options{.decode = {.target_size = petal::ImageSize{64, 64}}};
  for (auto _ : state) {
    petal::LoadedImages out = petal::load_images(subset, options, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(out.x.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(subset.size()));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("onednn_isa", petal::kernel_isa());
  const std::string root = find_flowers17();
  if (root.empty()) {
    std::printf("image_decode_bench: Flowers-17 not found (set PETAL_FLOWERS17_DIR); skipping.\n");
    return 0;
  }
  paths() = petal::list_flowers17(root).paths;
  // Warm the page cache so the figures measure decoding, not the disk.
  std::vector<char> buffer(1 << 16);
  for (const auto& p : paths()) {
    std::ifstream in(p, std::ios::binary);
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()))) {
    }
  }
  benchmark::RegisterBenchmark("BM_DecodeResize64_Full", BM_DecodeResize64_Full)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_DecodeResize64_Reduced", BM_DecodeResize64_Reduced)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_DecodeResize64_CacheHit", BM_DecodeResize64_CacheHit);
  benchmark::RegisterBenchmark("BM_LoadImages64_Reduced", BM_LoadImages64_Reduced)
      ->Arg(1)
      ->Arg(2)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
