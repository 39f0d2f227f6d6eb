// A background thread that runs blocking allreduces of gradient buckets in the
// order they are submitted, so reduction proceeds while backward computes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "distributed/comm.h"

namespace petal::detail {

// MPI is called from this thread only between submit() and wait(); the caller
// makes no MPI call in that time, which MPI_THREAD_SERIALIZED allows.
class ReduceWorker {
 public:
  explicit ReduceWorker(Comm& comm);
  ~ReduceWorker();
  ReduceWorker(const ReduceWorker&) = delete;
  ReduceWorker& operator=(const ReduceWorker&) = delete;

  // Queues an in-place sum of data[0, n) over ranks.
  void submit(float* data, int64_t n);
  // Returns once every submitted sum is done.
  void wait();

 private:
  void run();

  Comm& comm_;
  std::mutex mutex_;
  std::condition_variable work_, idle_;
  std::deque<std::pair<float*, int64_t>> queue_;
  bool busy_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace petal::detail
