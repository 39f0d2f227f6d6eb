// Data-parallel training in one line (Horovod / PyTorch DDP style): every rank
// trains a replica on its own data and gradients are averaged over ranks each step.
//
//   auto& ctx = petal::distribute(model);        // custom train_on_batch loops
//   model.fit(x, y, {.distributed = true});      // fit / fit_generator do it for you
//
// See docs/distributed.md for sharding, batch norm, learning rates and costs.
#pragma once

#include <cstdint>

#include "petal/distributed/context.h"
#include "petal/model/logs.h"
#include "petal/model/model.h"

namespace petal {

struct DistributedOptions {
  // Reduce the gradients of the last layers while backward still runs on the
  // earlier ones (a reduction per bucket); false: one blocking allreduce of all
  // gradients after backward.
  bool overlap = true;
  // With overlap: run each bucket's blocking allreduce on a background thread,
  // as Horovod does, so that MPI progresses while backward runs; false: a
  // non-blocking allreduce that this thread moves along between layers (MPI
  // libraries without a progress thread advance it only inside MPI calls).
  // Falls back to the latter when MPI was initialised without thread support.
  bool reduce_thread = true;
  // Gradients are packed into contiguous fusion buckets of about this size
  // (layers are never split); each bucket is one allreduce.
  int64_t bucket_bytes = int64_t{25} << 20;
  // The rank whose weights and optimizer state every rank starts from.
  int root = 0;
};

// Makes every later train_on_batch of `model` data-parallel over the job's ranks:
// at the first step the weights, buffers and optimizer state of rank
// options.root are copied to every rank; after each backward the gradients are
// averaged over ranks (weighted by each rank's batch size) before the update, so
// all ranks keep identical weights. Every rank must then call train_on_batch
// the same number of times. Nothing changes in a single process.
// Throws StateError when the model is not compiled.
DistributedContext& distribute(Model& model, const DistributedOptions& options = {});
// Back to single-process steps (no more collectives).
void undistribute(Model& model);
bool is_distributed(const Model& model);

// Copies rank `root`'s parameters (and buffers such as batch-norm moving
// statistics), optimizer iterations and slots to every rank. Collective.
void broadcast_model(Model& model, int root = 0);
// Averages the non-trainable buffers (batch-norm moving mean and variance) over
// ranks, so that every rank (and a checkpoint written by rank 0) agrees. Collective.
void average_buffers(Model& model);
// Throws StateError on every rank unless every rank holds bit-identical
// parameters and buffers (a hash of their values is compared). fit and
// fit_generator check it after every distributed epoch. Collective.
void check_same_weights(Model& model);
// Sample-weighted means over ranks of logs every rank computed on its own
// `samples` samples (the same keys in the same order on every rank); the total
// sample count goes to *total_samples. Collective.
Logs average_logs(const Logs& logs, int64_t samples, int64_t* total_samples = nullptr);

// What the gradient reduction of a distributed model did (for benchmarks).
struct DistributedStats {
  int64_t steps = 0;              // reduced training steps so far
  int64_t floats_per_step = 0;    // gradient values reduced per step
  int64_t bytes_per_step = 0;     // bytes each rank contributes to allreduce per step
  int64_t buckets = 0;            // allreduce calls per step
  double pack_ms = 0;             // mean per step: copying gradients in and out of buckets
  double exposed_ms = 0;          // mean per step: finishing reductions after backward
  double window_ms = 0;           // mean per step: backward time left once the first bucket
                                  // started (the most an overlapped reduction can hide)
};
// Zeros when the model is not distributed.
DistributedStats distributed_stats(const Model& model);
void reset_distributed_stats(Model& model);

}  // namespace petal
