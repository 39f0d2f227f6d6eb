// ReduceWorker: one thread, a queue of buckets, blocking allreduce per bucket.
#include "distributed/reduce_worker.h"

namespace petal::detail {

ReduceWorker::ReduceWorker(Comm& comm) : comm_(comm), thread_([this] { run(); }) {}

ReduceWorker::~ReduceWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_.notify_all();
  thread_.join();
}

void ReduceWorker::submit(float* data, int64_t n) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(data, n);
  }
  work_.notify_one();
}

void ReduceWorker::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void ReduceWorker::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_ and nothing left
    const auto [data, n] = queue_.front();
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    comm_.allreduce_sum(data, n);  // MPI errors abort the job (MPI_ERRORS_ARE_FATAL)
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace petal::detail
