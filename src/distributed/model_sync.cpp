// Model-wide collectives: the sameness check, broadcast of weights and optimizer
// state, and averaging of buffers. Tensors go one call each: these run once per
// fit (or epoch), unlike the per-step gradient reduction.
#include "distributed/model_sync.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "distributed/comm.h"
#include "nn/param_layout.h"
#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/distributed/distribute.h"

namespace petal::detail {

namespace {

uint64_t mix(uint64_t h, uint64_t v) { return hash64(h ^ v, 0x9e3779b97f4a7c15ull); }

uint64_t mix(uint64_t h, const std::string& s) {
  for (unsigned char c : s) h = mix(h, c);
  return mix(h, s.size());
}

// Whether every rank passed the same value. Collective.
bool same_on_all_ranks(const Comm& comm, int64_t value) {
  int64_t lo = value, hi = value;
  comm.allreduce_min(&lo, 1);
  comm.allreduce_max(&hi, 1);
  return lo == hi;
}

}  // namespace

int64_t model_fingerprint(Model& model) {
  uint64_t h = 0x70657461;  // "peta"
  for (Layer* layer : model.layers()) {
    h = mix(h, layer->name());
    for (const Param* p : layer->params()) {
      h = mix(h, p->name);
      h = mix(h, static_cast<uint64_t>(p->value.size()));
      h = mix(h, p->trainable ? 1u : 0u);
      if (p->layout) h = mix(h, describe(p->layout->storage_md()));
    }
  }
  return static_cast<int64_t>(h >> 1);
}

void check_same_model(Model& model, const char* what) {
  const Comm& comm = Comm::instance();
  if (comm.size() == 1) return;
  if (!same_on_all_ranks(comm, model_fingerprint(model))) {
    throw StateError(std::string(what) + ": the ranks' models differ (layer names, parameter sizes or oneDNN "
                     "storage layouts); expected the same model on every rank.\nHint: build the model with the same "
                     "layers and options on every rank; ranks on different CPU types may pick different blocked "
                     "layouts, so run one job on one kind of machine.");
  }
}

}  // namespace petal::detail

namespace petal {

void broadcast_model(Model& model, int root) {
  detail::Comm& comm = detail::Comm::instance();
  if (comm.size() == 1) return;
  if (!model.built()) {
    throw StateError("broadcast_model: model '" + model.name() + "' is not built; expected its parameters to exist.\n"
                     "Hint: call build(input_shape) first, or let the first training step do it.");
  }
  detail::check_same_model(model, "broadcast_model");
  const std::vector<Param*> params = model.params();
  Optimizer* opt = model.compiled() ? &model.optimizer() : nullptr;
  // Header: iterations, then whether the root has optimizer slots for each parameter.
  std::vector<int64_t> header(params.size() + 1, 0);
  if (opt) {
    header[0] = opt->iterations();
    for (size_t i = 0; i < params.size(); ++i) header[i + 1] = opt->has_slots(*params[i]) ? 1 : 0;
  }
  comm.broadcast(header.data(), static_cast<int64_t>(header.size() * sizeof(int64_t)), root);
  if (opt) {
    opt->set_iterations(header[0]);
    if (comm.rank() != root) opt->reset_slots();  // then exactly the root's slots exist
  }
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor& v = params[i]->value;
    comm.broadcast(v.data(), v.size() * static_cast<int64_t>(sizeof(float)), root);
    if (!opt || header[i + 1] == 0) continue;
    for (Tensor& slot : opt->slots(*params[i])) {
      comm.broadcast(slot.data(), slot.size() * static_cast<int64_t>(sizeof(float)), root);
    }
  }
}

void check_same_weights(Model& model) {
  const detail::Comm& comm = detail::Comm::instance();
  if (comm.size() == 1 || !model.built()) return;
  uint64_t h = 0xcbf29ce484222325ull;
  for (const Param* p : model.params()) {
    const float* v = p->value.data();
    for (int64_t i = 0; i < p->value.size(); ++i) {
      uint32_t bits = 0;
      std::memcpy(&bits, v + i, sizeof bits);
      h = (h ^ bits) * 0x100000001b3ull;
    }
  }
  if (!detail::same_on_all_ranks(comm, static_cast<int64_t>(h >> 1))) {
    throw StateError("distributed: the ranks' weights differ (rank " + std::to_string(comm.rank()) +
                     " of " + std::to_string(comm.size()) + "); expected every rank to hold rank 0's weights "
                     "after each step.");
  }
}

void average_buffers(Model& model) {
  const detail::Comm& comm = detail::Comm::instance();
  if (comm.size() == 1 || !model.built()) return;
  std::vector<Param*> buffers;
  int64_t total = 0;
  for (Param* p : model.params()) {
    if (p->trainable) continue;
    buffers.push_back(p);
    total += p->value.size();
  }
  if (total == 0) return;
  std::vector<float> packed(static_cast<size_t>(total));
  int64_t offset = 0;
  for (const Param* p : buffers) {
    std::copy(p->value.data(), p->value.data() + p->value.size(), packed.data() + offset);
    offset += p->value.size();
  }
  comm.allreduce_sum(packed.data(), total);
  const float scale = 1.0f / static_cast<float>(comm.size());
  offset = 0;
  for (Param* p : buffers) {
    float* v = p->value.data();
    for (int64_t i = 0; i < p->value.size(); ++i) v[i] = packed[static_cast<size_t>(offset + i)] * scale;
    offset += p->value.size();
  }
}

}  // namespace petal
