// distribute(): installs the gradient hook on a model; log averaging and stats.
#include "petal/distributed/distribute.h"

#include <vector>

#include "distributed/comm.h"
#include "distributed/gradient_sync.h"
#include "petal/core/error.h"

namespace petal {

DistributedContext& distribute(Model& model, const DistributedOptions& options) {
  DistributedContext& ctx = DistributedContext::init();
  if (!model.compiled()) {
    throw StateError("distribute: model '" + model.name() + "' is not compiled; expected compile() first.");
  }
  if (!ctx.active()) return ctx;  // one process: train_on_batch as usual, bit for bit
  detail::set_gradient_hook(model, std::make_shared<detail::GradientSync>(detail::Comm::instance(), options));
  return ctx;
}

void undistribute(Model& model) { detail::set_gradient_hook(model, nullptr); }

bool is_distributed(const Model& model) { return detail::gradient_sync(model) != nullptr; }

Logs average_logs(const Logs& logs, int64_t samples, int64_t* total_samples) {
  const detail::Comm& comm = detail::Comm::instance();
  std::vector<double> sums{static_cast<double>(samples)};
  for (const auto& [key, value] : logs) sums.push_back(value * static_cast<double>(samples));
  comm.allreduce_sum(sums.data(), static_cast<int64_t>(sums.size()));
  const double total = sums[0];
  if (total_samples) *total_samples = static_cast<int64_t>(total);
  Logs out;
  size_t i = 1;
  for (const auto& [key, value] : logs) {
    // One process: the values as given (0 samples would otherwise make them 0).
    out.set(key, comm.size() == 1 ? value : total > 0 ? sums[i] / total : 0.0);
    ++i;
  }
  return out;
}

DistributedStats distributed_stats(const Model& model) {
  const detail::GradientSync* sync = detail::gradient_sync(model);
  return sync ? sync->stats() : DistributedStats{};
}

void reset_distributed_stats(Model& model) {
  if (detail::GradientSync* sync = detail::gradient_sync(model)) sync->reset_stats();
}

}  // namespace petal
