// Measures this machine's FP32 FMA peak (GFLOP/s) with T threads, the bound that
// run_bench.py compares petal's training figure to. Prints one JSON line.
//   fma_peak [--threads T]
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

// 12 independent chains: FMA latency (4-5 cycles) times 2 FMA pipes needs >= 10 in
// flight; 12 accumulators plus 2 constants still fit in the 16 ymm registers.
constexpr int kChains = 12;
constexpr float kMul = 0.999f, kAdd = 0.001f;  // acc -> 1: no overflow, no denormals
// Start values the compiler cannot see: it folded a chain that started at the fixed point 1.
volatile float g_seed = 2.0f;

// Each kernel runs iters x kChains vector FMAs (2 flops per lane) and returns a sum
// that the caller keeps, so the compiler cannot drop the work.
__attribute__((target("avx512f"))) float kernel_avx512(long iters) {
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(g_seed + static_cast<float>(j));
  const __m512 m = _mm512_set1_ps(kMul), a = _mm512_set1_ps(kAdd);
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, a);
  }
  // A plain store, not _mm512_reduce_add_ps: GCC 12 warns inside it (-Werror build).
  alignas(64) float out[16];
  float s = 0;
  for (int j = 0; j < kChains; ++j) {
    _mm512_store_ps(out, acc[j]);
    for (float v : out) s += v;
  }
  return s;
}

__attribute__((target("avx2,fma"))) float kernel_avx2(long iters) {
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(g_seed + static_cast<float>(j));
  const __m256 m = _mm256_set1_ps(kMul), a = _mm256_set1_ps(kAdd);
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, a);
  }
  alignas(32) float out[8];
  float s = 0;
  for (int j = 0; j < kChains; ++j) {
    _mm256_store_ps(out, acc[j]);
    for (float v : out) s += v;
  }
  return s;
}

// AVX without FMA (Sandy/Ivy Bridge): a multiply and an add are the same 2 flops.
__attribute__((target("avx"))) float kernel_avx(long iters) {
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(g_seed + static_cast<float>(j));
  const __m256 m = _mm256_set1_ps(kMul), a = _mm256_set1_ps(kAdd);
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_add_ps(_mm256_mul_ps(acc[j], m), a);
  }
  alignas(32) float out[8];
  float s = 0;
  for (int j = 0; j < kChains; ++j) {
    _mm256_store_ps(out, acc[j]);
    for (float v : out) s += v;
  }
  return s;
}

// Baseline x86-64 (SSE2), so that some figure comes out everywhere.
float kernel_sse2(long iters) {
  __m128 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm_set1_ps(g_seed + static_cast<float>(j));
  const __m128 m = _mm_set1_ps(kMul), a = _mm_set1_ps(kAdd);
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm_add_ps(_mm_mul_ps(acc[j], m), a);
  }
  alignas(16) float out[4];
  float s = 0;
  for (int j = 0; j < kChains; ++j) {
    _mm_store_ps(out, acc[j]);
    for (float v : out) s += v;
  }
  return s;
}

struct Kernel {
  const char* name;
  float (*run)(long);
  int lanes;
};

// oneDNN's ISA cap as a rank: 1 SSE4.1, 2 AVX, 3 AVX2 (incl. AVX2_VNNI), 4 AVX-512
// or no cap. Same variables oneDNN reads, so an emulated AVX2 run gets an AVX2 peak.
int isa_cap() {
  const char* v = std::getenv("ONEDNN_MAX_CPU_ISA");
  if (!v || !*v) v = std::getenv("DNNL_MAX_CPU_ISA");
  if (!v || !*v) return 4;
  std::string s(v);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s.rfind("SSE", 0) == 0) return 1;
  if (s.rfind("AVX2", 0) == 0) return 3;
  if (s.rfind("AVX512", 0) == 0 || s == "ALL") return 4;
  if (s.rfind("AVX", 0) == 0) return 2;
  return 4;
}

// Runtime dispatch only (no ISA compiler flags), so one binary runs on any x86-64.
Kernel pick_kernel() {
  const int cap = isa_cap();
  if (cap >= 4 && __builtin_cpu_supports("avx512f")) return {"avx512_fma", kernel_avx512, 16};
  if (cap >= 3 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {"avx2_fma", kernel_avx2, 8};
  if (cap >= 2 && __builtin_cpu_supports("avx")) return {"avx_mul_add", kernel_avx, 8};
  return {"sse2_mul_add", kernel_sse2, 4};
}

volatile float g_sink;  // keeps every thread's result alive

// Wall seconds for `threads` threads each running `iters` iterations, timed from a
// common start (all threads spawned and waiting) to the last one finishing.
double run_threads(const Kernel& k, int threads, long iters) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<float> sums(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      sums[t] = k.run(iters);
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  const auto t0 = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  float total = 0;
  for (float v : sums) total += v;
  g_sink = total;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: fma_peak [--threads T]\n");
      return 2;
    }
  }
  const Kernel k = pick_kernel();
  // Calibrate on a short run (which also wakes the cores up), then size each of the
  // 3 repetitions to ~0.15 s so the whole measurement takes about 0.5 s.
  long iters = 1 << 16;
  double s = run_threads(k, threads, iters);
  while (s < 0.02) {
    iters *= 4;
    s = run_threads(k, threads, iters);
  }
  iters = static_cast<long>(static_cast<double>(iters) * 0.15 / s);
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) best = std::min(best, run_threads(k, threads, iters));
  const double flops = 2.0 * k.lanes * kChains * static_cast<double>(iters) * threads;
  std::printf("{\"peak_gflops\": %.1f, \"isa_kernel\": \"%s\", \"threads\": %d}\n", flops / best / 1e9, k.name,
              threads);
  return 0;
}
