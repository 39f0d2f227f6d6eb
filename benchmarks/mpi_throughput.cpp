// Data-parallel MiniVGGNet throughput (64x64x3, SGD momentum): run alone for one
// rank or under `mpirun -np R`; every rank trains `--batch` images per step and
// gradients are averaged over ranks. Rank 0 prints one JSON line: images/s over
// all ranks, step time, bytes reduced per step and the exposed reduction time.
//   mpi_throughput [--steps N] [--warmup W] [--threads T] [--batch B] [--overlap 0|1]
//                  [--reduce-thread 0|1] [--bucket-mb M]
// scripts/bench_mpi runs the 1- and 2-rank configurations and the efficiency.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "petal/core/cpu_info.h"
#include "petal/distributed/distribute.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/sgd.h"

namespace {

struct Args {
  int steps = 20, warmup = 3, threads = 1, batch = 32, overlap = 1, reduce_thread = 1;
  double bucket_mb = 25;
};

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--steps") a.steps = std::atoi(v);
    else if (k == "--warmup") a.warmup = std::atoi(v);
    else if (k == "--threads") a.threads = std::atoi(v);
    else if (k == "--batch") a.batch = std::atoi(v);
    else if (k == "--overlap") a.overlap = std::atoi(v);
    else if (k == "--reduce-thread") a.reduce_thread = std::atoi(v);
    else if (k == "--bucket-mb") a.bucket_mb = std::atof(v);
    else return false;
  }
  return a.steps > 0 && a.batch > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    std::fprintf(stderr, "usage: mpi_throughput [--steps N] [--warmup W] [--threads T] [--batch B] [--overlap 0|1] "
                         "[--reduce-thread 0|1] [--bucket-mb M]\n");
    return 2;
  }
  return petal::run_distributed([&] {
    petal::set_num_threads(a.threads);
    petal::Sequential model = petal::minivggnet({.seed = 1});
    model.compile(petal::SGD({.learning_rate = 0.01, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
    const int64_t bucket_bytes = static_cast<int64_t>(a.bucket_mb * (1 << 20));
    petal::DistributedContext& ctx = petal::distribute(
        model, {.overlap = a.overlap != 0, .reduce_thread = a.reduce_thread != 0, .bucket_bytes = bucket_bytes});
    petal::Rng rng(2 + static_cast<uint64_t>(ctx.rank()));  // each rank its own images
    petal::Tensor x({a.batch, 64, 64, 3}), y({a.batch, 17});
    for (float& v : x.values()) v = static_cast<float>(rng.uniform(0, 1));
    for (int i = 0; i < a.batch; ++i) y.at({i, static_cast<int64_t>(rng.below(17))}) = 1;

    for (int i = 0; i < a.warmup; ++i) model.train_on_batch(x, y);
    petal::reset_distributed_stats(model);
    ctx.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < a.steps; ++i) model.train_on_batch(x, y);
    ctx.barrier();
    const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const petal::DistributedStats st = petal::distributed_stats(model);
    // Mean over ranks of the reduction time backward did not hide.
    std::vector<double> exposed{st.exposed_ms, st.pack_ms, st.window_ms};
    ctx.allreduce_sum(std::span<double>(exposed));
    if (ctx.is_root()) {
      const double step_ms = total_s * 1000.0 / a.steps;
      std::printf("{\"system\": \"petal\", \"ranks\": %d, \"threads_per_rank\": %d, \"batch_per_rank\": %d, "
                  "\"steps\": %d, \"overlap\": %s, \"reduce_thread\": %s, \"step_ms\": %.2f, \"ips\": %.1f, "
                  "\"params\": %lld, "
                  "\"bytes_reduced_per_step\": %lld, \"buckets\": %lld, \"exposed_reduce_ms\": %.2f, "
                  "\"pack_ms\": %.2f, \"overlap_window_ms\": %.2f, \"isa\": \"%s\"}\n",
                  ctx.size(), petal::num_threads(), a.batch, a.steps, a.overlap ? "true" : "false",
                  a.reduce_thread ? "true" : "false", step_ms,
                  ctx.size() * a.batch * a.steps / total_s, static_cast<long long>(model.count_params()),
                  static_cast<long long>(st.bytes_per_step), static_cast<long long>(st.buckets),
                  exposed[0] / ctx.size(), exposed[1] / ctx.size(), exposed[2] / ctx.size(),
                  petal::kernel_isa().c_str());
    }
    return 0;
  });
}
