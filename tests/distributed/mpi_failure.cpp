// Run by CTest under `mpirun -np 2` (see run_mpi_failure.cmake): rank 1 fails and
// the whole job must end at once with the message, not hang in a collective.
//   mpi_failure fit    a callback throws on rank 1 during distributed fit
//   mpi_failure loop   an uncaught exception on rank 1 in a custom train_on_batch loop
//   mpi_failure main   rank 1's main body (run_distributed) throws before training
#include <cstdio>
#include <string>

#include "petal/model/sequential.h"
#include "petal/callbacks/lambda_callback.h"
#include "petal/core/error.h"
#include "petal/distributed/distribute.h"
#include "petal/layers/dense.h"
#include "petal/optimizers/sgd.h"

namespace {

using namespace petal;

Sequential small_model() {
  Sequential m({.seed = 1, .input_shape = {4}});
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.1}), "categorical_crossentropy");
  return m;
}

void fail_on_rank_1(int64_t batch) {
  if (DistributedContext::init().rank() == 1 && batch == 2) {
    throw DataError("injected failure on rank 1 at batch 2");
  }
}

int train(const std::string& mode) {
  Tensor x({64, 4}, 0.5f), y({64, 3});
  for (int64_t i = 0; i < 64; ++i) y.at({i, i % 3}) = 1;
  Sequential m = small_model();
  if (mode == "fit") {
    auto thrower = std::make_shared<LambdaCallback>(
        LambdaCallbackOptions{.on_batch_end = [](int64_t b, Logs&) { fail_on_rank_1(b); }});
    // Rank 0 goes on to its next allreduce; only an abort can end it.
    m.fit(x, y, {.batch_size = 4, .epochs = 100, .verbose = 0, .callbacks = {thrower}, .distributed = true});
  } else {
    distribute(m);
    for (int64_t step = 0; step < 10000; ++step) {
      m.train_on_batch(x.slice(0, 4), y.slice(0, 4));
      fail_on_rank_1(step);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "fit";
  set_num_threads(1);
  if (mode == "main") {
    return run_distributed([] {
      if (DistributedContext::init().rank() == 1) throw IoError("injected failure on rank 1 before training");
      return train("loop");  // rank 0 alone: it waits in the first collective
    });
  }
  if (mode == "loop") return train(mode);  // nothing catches: std::terminate on rank 1
  try {
    return train(mode);
  } catch (const Error& e) {
    // Reached only in a single process: with two ranks fit has aborted the job.
    std::fprintf(stderr, "caught: %s\n", e.what());
    return 1;
  }
}
