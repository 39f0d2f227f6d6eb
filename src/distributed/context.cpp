// DistributedContext: the public face of detail::Comm.
#include "petal/distributed/context.h"

#include <cstdint>
#include <exception>

#include "distributed/comm.h"

namespace petal {

DistributedContext& DistributedContext::init() {
  static DistributedContext context;
  detail::Comm::instance();
  return context;
}

int DistributedContext::rank() const { return detail::Comm::instance().rank(); }
int DistributedContext::size() const { return detail::Comm::instance().size(); }
bool DistributedContext::uses_mpi() const { return detail::Comm::instance().uses_mpi(); }
void DistributedContext::barrier() const { detail::Comm::instance().barrier(); }

void DistributedContext::allreduce_sum(std::span<float> data) const {
  detail::Comm::instance().allreduce_sum(data.data(), static_cast<int64_t>(data.size()));
}

void DistributedContext::allreduce_sum(std::span<double> data) const {
  detail::Comm::instance().allreduce_sum(data.data(), static_cast<int64_t>(data.size()));
}

void DistributedContext::broadcast(std::span<float> data, int root) const {
  detail::Comm::instance().broadcast(data.data(), static_cast<int64_t>(data.size_bytes()), root);
}

void DistributedContext::broadcast(std::span<double> data, int root) const {
  detail::Comm::instance().broadcast(data.data(), static_cast<int64_t>(data.size_bytes()), root);
}

void DistributedContext::broadcast(std::string& text, int root) const {
  const detail::Comm& comm = detail::Comm::instance();
  int64_t length = static_cast<int64_t>(text.size());
  comm.broadcast(&length, sizeof length, root);
  text.resize(static_cast<size_t>(length));
  comm.broadcast(text.data(), length, root);
}

void DistributedContext::abort(const std::string& message, int code) const {
  detail::Comm::instance().abort(message, code);
}

bool mpi_built() { return detail::built_with_mpi(); }

int run_distributed(const std::function<int()>& body) {
  const DistributedContext& ctx = DistributedContext::init();
  if (!ctx.active()) return body();
  int code = 0;
  try {
    code = body();
  } catch (const std::exception& e) {
    ctx.abort(e.what(), 1);
  } catch (...) {
    ctx.abort("exception of unknown type", 1);
  }
  if (code != 0) ctx.abort("exited with code " + std::to_string(code), code);
  return code;
}

}  // namespace petal
