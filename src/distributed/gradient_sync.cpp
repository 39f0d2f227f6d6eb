// GradientSync: fused, bucketed gradient allreduce. Buckets follow backward's
// order (last layer first), so with overlap a bucket is reduced while backward
// still runs on earlier layers. Each rank contributes batch_size * gradient
// and its batch size (the bucket's count slot); the sum divided by the summed
// count is the gradient of the union of all ranks' batches, exactly as one
// process would compute it on that union, even when the batch sizes differ.
#include "distributed/gradient_sync.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "distributed/model_sync.h"
#include "petal/model/model.h"
#include "petal/core/error.h"

namespace petal::detail {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Large copies use every thread petal is allowed (set_num_threads).
void scaled_copy(const float* from, float* to, int64_t n, float scale) {
#pragma omp parallel for simd schedule(static) if (n > (int64_t{1} << 16))
  for (int64_t i = 0; i < n; ++i) to[i] = from[i] * scale;
}

template <typename F>
void for_each_trainable(Model& model, F f) {
  const std::vector<Layer*> layers = model.layers();
  for (size_t i = layers.size(); i-- > 0;) {
    for (Param* p : layers[i]->params()) {
      if (p->trainable && !p->grad.empty()) f(i, *p);
    }
  }
}

}  // namespace

GradientSync::GradientSync(Comm& comm, const DistributedOptions& options) : comm_(comm), options_(options) {
  if (options.bucket_bytes < 1) {
    throw ConfigError("distribute: expected bucket_bytes >= 1; received " + std::to_string(options.bucket_bytes) + ".");
  }
  if (options.root < 0 || options.root >= comm.size()) {
    throw ConfigError("distribute: expected root in [0, " + std::to_string(comm.size()) + "); received " +
                      std::to_string(options.root) + ".");
  }
  // A reduce thread calls MPI while this one does not: MPI_THREAD_SERIALIZED.
  if (options.overlap && options.reduce_thread && comm.serialized_threads()) {
    worker_ = std::make_unique<ReduceWorker>(comm);
  }
}

// The gradient storage the buckets point into, in layer order (no allocation).
bool GradientSync::same_storage(std::span<Param* const> params) const {
  size_t k = 0;
  for (const Param* p : params) {
    if (!p->trainable || p->grad.empty()) continue;
    if (k >= signature_.size() || signature_[k].first != p->grad.data() || signature_[k].second != p->grad.size()) {
      return false;
    }
    ++k;
  }
  return k == signature_.size();
}

GradientSync::~GradientSync() {
  if (reducing_) comm_.abort("a training step ended with gradient reductions in flight (an error during backward?)", 1);
}

void GradientSync::begin_step(Model& model, std::span<Param* const> params, int64_t batch_size) {
  const bool rebuilt = !same_storage(params);
  if (rebuilt) rebuild(model);
  // Layouts settle when a plan is first made (moving a gradient, hence a
  // rebuild); every rank makes the same plans, so a change of fingerprint
  // happens on all ranks at the same step and they check it together.
  if (!synced_ || rebuilt) {
    const int64_t fp = model_fingerprint(model);
    if (!synced_ || fp != checked_fingerprint_) {
      check_same_model(model, "distribute");
      checked_fingerprint_ = fp;
    }
  }
  if (!synced_) {
    broadcast_model(model, options_.root);
    synced_ = true;
  }
  samples_ = static_cast<float>(batch_size);
  next_ = 0;
}

void GradientSync::rebuild(Model& model) {
  buckets_.clear();
  signature_.clear();
  const int64_t cap = options_.overlap ? std::max<int64_t>(1, options_.bucket_bytes / 4)
                                       : std::numeric_limits<int64_t>::max();
  int64_t offset = 0;
  Bucket current;
  bool open = false;
  size_t last_layer = std::numeric_limits<size_t>::max();
  auto close = [&] {
    current.count_slot = offset++;
    buckets_.push_back(std::move(current));
    current = Bucket{};
    open = false;
  };
  for_each_trainable(model, [&](size_t layer, Param& p) {
    // Close a full bucket only between layers: a layer's gradients travel together.
    if (open && layer != last_layer && offset - current.begin >= cap) close();
    if (!open) {
      current.begin = offset;
      open = true;
    }
    current.entries.push_back({p.grad.data(), p.grad.size(), offset});
    current.first_layer = layer;
    last_layer = layer;
    offset += p.grad.size();
  });
  if (open) close();
  for (const Param* p : model.params()) {
    if (p->trainable && !p->grad.empty()) signature_.emplace_back(p->grad.data(), p->grad.size());
  }
  buffer_.assign(static_cast<size_t>(offset), 0.0f);
  stats_.floats_per_step = offset - static_cast<int64_t>(buckets_.size());
  stats_.bytes_per_step = offset * static_cast<int64_t>(sizeof(float));
  stats_.buckets = static_cast<int64_t>(buckets_.size());
}

void GradientSync::layer_done(size_t layer_index) {
  if (!options_.overlap) return;
  while (next_ < buckets_.size() && layer_index <= buckets_[next_].first_layer) start(buckets_[next_++]);
  if (!worker_) comm_.progress();
}

void GradientSync::start(Bucket& b) {
  const auto t0 = Clock::now();
  if (&b == &buckets_.front()) first_start_ = t0;
  float* buf = buffer_.data();
  for (const Entry& e : b.entries) scaled_copy(e.grad, buf + e.offset, e.size, samples_);
  buf[b.count_slot] = samples_;
  sum_pack_ms_ += ms_since(t0);
  reducing_ = true;
  const int64_t n = b.count_slot - b.begin + 1;
  if (worker_) {
    worker_->submit(buf + b.begin, n);
  } else if (options_.overlap) {
    comm_.start_allreduce_sum(buf + b.begin, n);
  } else {
    comm_.allreduce_sum(buf + b.begin, n);
  }
}

void GradientSync::finish(Bucket& b) {
  const auto t0 = Clock::now();
  const float* buf = buffer_.data();
  const float total = buf[b.count_slot];
  const float scale = total > 0 ? 1.0f / total : 0.0f;
  for (const Entry& e : b.entries) scaled_copy(buf + e.offset, e.grad, e.size, scale);
  sum_pack_ms_ += ms_since(t0);
}

void GradientSync::end_step() {
  const auto t0 = Clock::now();
  if (next_ > 0) sum_window_ms_ += std::chrono::duration<double, std::milli>(t0 - first_start_).count();
  while (next_ < buckets_.size()) start(buckets_[next_++]);
  if (worker_) {
    worker_->wait();
  } else {
    comm_.wait_all();
  }
  reducing_ = false;
  for (Bucket& b : buckets_) finish(b);
  sum_exposed_ms_ += ms_since(t0);
  ++stats_.steps;
  stats_.pack_ms = sum_pack_ms_ / static_cast<double>(stats_.steps);
  stats_.exposed_ms = sum_exposed_ms_ / static_cast<double>(stats_.steps);
  stats_.window_ms = sum_window_ms_ / static_cast<double>(stats_.steps);
}

GradientSync* gradient_sync(const Model& model) { return dynamic_cast<GradientSync*>(gradient_hook(model)); }

}  // namespace petal::detail
