// The process group of a data-parallel job: rank, size, barrier and the few
// collectives training needs, on MPI when petal is built with it and run by mpirun.
#pragma once

#include <functional>
#include <span>
#include <string>

namespace petal {

class DistributedContext {
 public:
  // The process's context, set up on the first call. MPI is initialised when
  // petal was built with it and the process was started by an MPI launcher
  // (mpirun, mpiexec, srun: OMPI_COMM_WORLD_SIZE, PMI_RANK or PMIX_RANK is set);
  // otherwise this is a single process, rank 0 of 1. PETAL_DISTRIBUTED=0 in the
  // environment forces a single process, PETAL_DISTRIBUTED=1 forces MPI_Init.
  // MPI is finalised at exit when petal initialised it. With more than one rank,
  // an uncaught exception on any rank aborts the whole job (see abort()).
  static DistributedContext& init();

  int rank() const;
  int size() const;
  bool is_root() const { return rank() == 0; }
  // Whether more than one process takes part (collectives do something).
  bool active() const { return size() > 1; }
  // Whether MPI was initialised (also true for `mpirun -np 1`).
  bool uses_mpi() const;

  void barrier() const;
  // In-place element-wise sums over all ranks.
  void allreduce_sum(std::span<float> data) const;
  void allreduce_sum(std::span<double> data) const;
  // Copies rank `root`'s data to every rank (same length on every rank).
  void broadcast(std::span<float> data, int root = 0) const;
  void broadcast(std::span<double> data, int root = 0) const;
  // Copies rank `root`'s string (any length) to every rank.
  void broadcast(std::string& text, int root = 0) const;

  // Prints "petal: rank R of N: <message>" to stderr and ends every process of
  // the job with exit code `code` (MPI_Abort), instead of leaving the other
  // ranks waiting in a collective. In a single process it exits with `code`.
  [[noreturn]] void abort(const std::string& message, int code = 1) const;

 private:
  DistributedContext() = default;
};

// Whether this petal library was built with MPI support (PETAL_WITH_MPI).
bool mpi_built();

// Runs `body` (a program's main, say) and returns its exit code. In a job of
// more than one process, an exception or a non-zero exit code on any rank
// aborts the whole job with that message, since the other ranks could otherwise
// wait for ever; in a single process it returns or rethrows as usual.
int run_distributed(const std::function<int()>& body);

}  // namespace petal
