// Bounded, ordered prefetching of batches by worker threads.
#include "petal/data/prefetcher.h"

#include <numeric>

#include "petal/core/error.h"
#include "petal/core/rng.h"

namespace petal {

Prefetcher::Prefetcher(Generator& generator, PrefetchOptions options) : generator_(&generator), options_(options) {
  if (options_.first_batch > 0) generator.seek(options_.first_batch);
  start();
}

Prefetcher::Prefetcher(Sequence& sequence, PrefetchOptions options) : sequence_(&sequence), options_(options) {
  epoch_size_ = sequence.size();
  if (epoch_size_ <= 0) {
    throw DataError("fit_generator: the Sequence has " + std::to_string(epoch_size_) +
                    " batches per epoch; expected at least one.");
  }
  if (options_.first_batch < 0) {
    throw ConfigError("Prefetcher: expected first_batch >= 0; received " + std::to_string(options_.first_batch) + ".");
  }
  sequence.set_epoch(options_.first_batch / epoch_size_);
  offset_ = options_.first_batch % epoch_size_;
  start();
}

void Prefetcher::start() {
  if (options_.workers < 0) throw ConfigError("workers: expected >= 0; received " + std::to_string(options_.workers) + ".");
  if (options_.max_queue_size < 1) {
    throw ConfigError("max_queue_size: expected >= 1; received " + std::to_string(options_.max_queue_size) + ".");
  }
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { worker(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  produced_.notify_all();
  consumed_.notify_all();
  for (auto& t : threads_) t.join();
}

int64_t Prefetcher::batch_index(int64_t taken) {
  const int64_t pos = taken + offset_;  // in the stream from the first epoch's start
  const int64_t epoch = options_.first_batch / epoch_size_ + pos / epoch_size_;
  const int64_t i = pos % epoch_size_;
  if (!options_.shuffle) return i;
  if (i == 0 || order_.empty() || order_epoch_ != epoch) {
    order_epoch_ = epoch;
    order_.resize(static_cast<size_t>(epoch_size_));
    std::iota(order_.begin(), order_.end(), 0);
    Rng rng = Rng(options_.seed).fork(static_cast<uint64_t>(epoch));
    rng.shuffle(std::span<int64_t>(order_));
  }
  return order_[static_cast<size_t>(i)];
}

// A worker may claim a position when the queue has room, the total is not
// reached, and (for a Sequence) the position's epoch has started: every earlier
// epoch has been consumed and closed with on_epoch_end().
bool Prefetcher::may_claim() const {
  if (stop_ || failed_) return false;
  if (options_.total >= 0 && next_claim_ >= options_.total) return false;
  if (next_claim_ - next_take_ >= options_.max_queue_size) return false;
  if (sequence_ && (next_claim_ + offset_) / epoch_size_ > epochs_done_) return false;
  return true;
}

// index: the Sequence batch to make (ignored for a generator).
Prefetcher::Slot Prefetcher::make(int64_t index) {
  Slot slot;
  try {
    if (generator_) {
      std::lock_guard<std::mutex> g(generator_mutex_);
      slot.batch = generator_->next();
    } else {
      slot.batch = sequence_->get(index);
    }
  } catch (...) {
    slot.error = std::current_exception();
  }
  return slot;
}

void Prefetcher::worker() {
  for (;;) {
    int64_t pos;
    std::unique_lock<std::mutex> lock(mutex_);
    consumed_.wait(lock, [&] { return stop_ || failed_ || may_claim(); });
    if (stop_ || failed_) return;
    pos = next_claim_++;
    // Resolve the batch index now, in claim order: the epoch's shuffled order
    // is regenerated at its first position.
    const int64_t index = sequence_ ? batch_index(pos) : 0;
    Slot slot;
    if (generator_) {
      // Take the generator before releasing the claim lock, so the generator is
      // called in position order; release it before taking the claim lock again.
      std::unique_lock<std::mutex> g(generator_mutex_);
      lock.unlock();
      try {
        slot.batch = generator_->next();
      } catch (...) {
        slot.error = std::current_exception();
      }
      g.unlock();
    } else {
      lock.unlock();
      slot = make(index);
    }
    lock.lock();
    failed_ = failed_ || slot.error != nullptr;
    ready_.emplace(pos, std::move(slot));
    lock.unlock();
    produced_.notify_all();
  }
}

void Prefetcher::finish_epoch_if_needed(int64_t taken_pos) {
  if (!sequence_ || (taken_pos + offset_ + 1) % epoch_size_ != 0) return;
  sequence_->on_epoch_end();
  std::lock_guard<std::mutex> lock(mutex_);
  ++epochs_done_;
}

Batch Prefetcher::next() {
  if (options_.workers == 0) {
    const int64_t pos = next_take_++;
    Slot slot = make(sequence_ ? batch_index(pos) : 0);
    if (slot.error) std::rethrow_exception(slot.error);
    finish_epoch_if_needed(pos);
    return std::move(slot.batch);
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (options_.total >= 0 && next_take_ >= options_.total) {
    throw StateError("Prefetcher: all " + std::to_string(options_.total) + " batches have been taken.");
  }
  produced_.wait(lock, [&] { return ready_.count(next_take_) > 0; });
  auto node = ready_.extract(next_take_);
  const int64_t pos = next_take_++;
  lock.unlock();
  consumed_.notify_all();
  if (node.mapped().error) std::rethrow_exception(node.mapped().error);
  finish_epoch_if_needed(pos);
  consumed_.notify_all();
  return std::move(node.mapped().batch);
}

}  // namespace petal
