// The MPI calls petal makes, behind one small interface (mpi.h stays in comm.cpp).
// Without MPI (not built with it, or not started by an MPI launcher) it is one process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace petal::detail {

class Comm {
 public:
  // The process-wide communicator, created on first use. MPI is initialised when
  // petal was built with it and the process was started by an MPI launcher
  // (mpirun/mpiexec/srun set OMPI_COMM_WORLD_SIZE, PMI_RANK or PMIX_RANK), or
  // PETAL_DISTRIBUTED=1; PETAL_DISTRIBUTED=0 forces a single process. MPI is
  // finalised at exit when petal initialised it.
  static Comm& instance();
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool uses_mpi() const { return mpi_; }
  // Whether MPI may be called from another thread, one thread at a time.
  bool serialized_threads() const { return serialized_; }

  void barrier() const;
  // In-place element-wise reductions over all ranks.
  void allreduce_sum(float* data, int64_t n) const;
  void allreduce_sum(double* data, int64_t n) const;
  void allreduce_min(int64_t* data, int64_t n) const;
  void allreduce_max(int64_t* data, int64_t n) const;
  // Copies `bytes` bytes from rank `root` to every rank.
  void broadcast(void* data, int64_t bytes, int root) const;

  // Starts an in-place non-blocking sum; progress() lets MPI move it along,
  // wait_all() completes every request started since the last wait_all().
  void start_allreduce_sum(float* data, int64_t n);
  void progress();
  void wait_all();
  bool in_flight() const { return pending_ > 0; }

  // Prints "petal: rank R of N: <message>" to stderr and ends every process of
  // the job (MPI_Abort), so that no rank waits forever in a collective.
  [[noreturn]] void abort(const std::string& message, int code) const;

 private:
  Comm();
  ~Comm();
  void init_mpi();

  int rank_ = 0, size_ = 1;
  bool mpi_ = false, owns_mpi_ = false, serialized_ = true;
  int pending_ = 0;
  struct State;  // MPI handles (communicator, requests)
  State* state_ = nullptr;
};

// Whether this petal library was built with MPI.
bool built_with_mpi();

}  // namespace petal::detail
