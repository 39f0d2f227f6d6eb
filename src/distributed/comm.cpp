// Comm on MPI (PETAL_WITH_MPI) or as a single process. The only file that
// includes mpi.h; every collective is skipped when there is one rank.
#include "distributed/comm.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "petal/core/error.h"

#ifdef PETAL_WITH_MPI
#include <mpi.h>
#endif

namespace petal::detail {

namespace {

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

bool launched_by_mpi() {
  if (const char* force = std::getenv("PETAL_DISTRIBUTED")) {
    if (std::strcmp(force, "0") == 0) return false;
    if (std::strcmp(force, "1") == 0) return true;
  }
  return env_set("OMPI_COMM_WORLD_SIZE") || env_set("PMIX_RANK") || env_set("PMI_RANK") || env_set("PMI_SIZE");
}

}  // namespace

#ifdef PETAL_WITH_MPI

namespace {

// MPI counts are int: larger buffers go in chunks of this many elements.
constexpr int64_t kChunk = int64_t{1} << 30;

// An exception nobody caught on one rank must end the whole job: the other
// ranks would otherwise wait in their next collective for ever.
[[noreturn]] void terminate_with_abort() {
  std::string what = "terminate called without an active exception";
  if (const std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = std::string("uncaught exception: ") + x.what();
    } catch (...) {
      what = "uncaught exception of unknown type";
    }
  }
  Comm::instance().abort(what, 1);
}

template <typename F>
void chunked(int64_t n, F f) {
  for (int64_t begin = 0; begin < n; begin += kChunk) f(begin, static_cast<int>(std::min(kChunk, n - begin)));
}

}  // namespace

struct Comm::State {
  MPI_Comm comm = MPI_COMM_NULL;
  std::vector<MPI_Request> requests;
};

bool built_with_mpi() { return true; }

void Comm::init_mpi() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    if (!launched_by_mpi()) return;
    int provided = 0;
    // Training calls MPI from one thread at a time (never from prefetch workers).
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    owns_mpi_ = true;
  }
  int level = 0;
  MPI_Query_thread(&level);
  serialized_ = level >= MPI_THREAD_SERIALIZED;
  state_ = new State;
  // A private communicator: petal's collectives never match a user's messages.
  MPI_Comm_dup(MPI_COMM_WORLD, &state_->comm);
  MPI_Comm_rank(state_->comm, &rank_);
  MPI_Comm_size(state_->comm, &size_);
  mpi_ = true;
  if (size_ > 1) std::set_terminate(terminate_with_abort);
}

Comm::~Comm() {
  if (!mpi_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) {
    MPI_Comm_free(&state_->comm);
    if (owns_mpi_) MPI_Finalize();
  }
  delete state_;
}

void Comm::barrier() const {
  if (size_ > 1) MPI_Barrier(state_->comm);
}

void Comm::allreduce_sum(float* data, int64_t n) const {
  if (size_ == 1) return;
  chunked(n, [&](int64_t b, int c) { MPI_Allreduce(MPI_IN_PLACE, data + b, c, MPI_FLOAT, MPI_SUM, state_->comm); });
}

void Comm::allreduce_sum(double* data, int64_t n) const {
  if (size_ == 1) return;
  chunked(n, [&](int64_t b, int c) { MPI_Allreduce(MPI_IN_PLACE, data + b, c, MPI_DOUBLE, MPI_SUM, state_->comm); });
}

void Comm::allreduce_min(int64_t* data, int64_t n) const {
  if (size_ == 1) return;
  chunked(n, [&](int64_t b, int c) { MPI_Allreduce(MPI_IN_PLACE, data + b, c, MPI_INT64_T, MPI_MIN, state_->comm); });
}

void Comm::allreduce_max(int64_t* data, int64_t n) const {
  if (size_ == 1) return;
  chunked(n, [&](int64_t b, int c) { MPI_Allreduce(MPI_IN_PLACE, data + b, c, MPI_INT64_T, MPI_MAX, state_->comm); });
}

void Comm::broadcast(void* data, int64_t bytes, int root) const {
  if (size_ == 1) return;
  char* p = static_cast<char*>(data);
  chunked(bytes, [&](int64_t b, int c) { MPI_Bcast(p + b, c, MPI_BYTE, root, state_->comm); });
}

void Comm::start_allreduce_sum(float* data, int64_t n) {
  if (size_ == 1) return;
  chunked(n, [&](int64_t b, int c) {
    MPI_Request r;
    MPI_Iallreduce(MPI_IN_PLACE, data + b, c, MPI_FLOAT, MPI_SUM, state_->comm, &r);
    state_->requests.push_back(r);
    ++pending_;
  });
}

void Comm::progress() {
  if (pending_ == 0) return;
  int done = 0;
  MPI_Testall(static_cast<int>(state_->requests.size()), state_->requests.data(), &done, MPI_STATUSES_IGNORE);
}

void Comm::wait_all() {
  if (pending_ == 0) return;
  MPI_Waitall(static_cast<int>(state_->requests.size()), state_->requests.data(), MPI_STATUSES_IGNORE);
  state_->requests.clear();
  pending_ = 0;
}

void Comm::abort(const std::string& message, int code) const {
  std::fprintf(stderr, "petal: rank %d of %d: %s\n", rank_, size_, message.c_str());
  std::fflush(stderr);
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

#else  // single process: petal was built without MPI

struct Comm::State {};

bool built_with_mpi() { return false; }

void Comm::init_mpi() {
  if (launched_by_mpi()) {
    std::fprintf(stderr, "petal: started by an MPI launcher, but this petal was built without MPI; every process "
                         "runs alone (rank 0 of 1).\n");
  }
}
Comm::~Comm() = default;
void Comm::barrier() const {}
void Comm::allreduce_sum(float*, int64_t) const {}
void Comm::allreduce_sum(double*, int64_t) const {}
void Comm::allreduce_min(int64_t*, int64_t) const {}
void Comm::allreduce_max(int64_t*, int64_t) const {}
void Comm::broadcast(void*, int64_t, int) const {}
void Comm::start_allreduce_sum(float*, int64_t) {}
void Comm::progress() {}
void Comm::wait_all() {}

void Comm::abort(const std::string& message, int code) const {
  std::fprintf(stderr, "petal: rank 0 of 1: %s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(code);
}

#endif

Comm::Comm() { init_mpi(); }

Comm& Comm::instance() {
  static Comm comm;
  return comm;
}

}  // namespace petal::detail
