// Prefetcher: a bounded queue of batches filled by worker threads while the
// training step runs (Keras's GeneratorEnqueuer / OrderedEnqueuer). Batches come
// out in a deterministic order whatever the number of workers; an exception
// thrown while making a batch is rethrown by next() at that batch's position.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "petal/data/sequence.h"

namespace petal {

struct PrefetchOptions {
  int workers = 1;              // 0: next() makes each batch on the calling thread
  int64_t max_queue_size = 10;  // batches made ahead of the consumer
  int64_t total = -1;           // batches that will be taken in all (-1: unbounded)
  // Sequence only:
  bool shuffle = false;         // reorder each epoch's batches (from seed and epoch)
  uint64_t seed = 0;
  // Sequence: the position of the first batch in the stream of all epochs' batches
  // (epoch first_batch / size(), batch first_batch % size()): a resumed run whose
  // epochs are not whole passes starts mid-pass. Generator: passed to seek().
  int64_t first_batch = 0;
};

class Prefetcher {
 public:
  // Batches of an endless generator, in the order it yields them (calls to
  // generator.next() are serialised).
  Prefetcher(Generator& generator, PrefetchOptions options);
  // Epochs of a Sequence: size() batches each, on_epoch_end() called once all of an
  // epoch's batches have been taken and before the next epoch's are made.
  Prefetcher(Sequence& sequence, PrefetchOptions options);
  // Stops the workers and joins them (also when training ends early or throws).
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // The next batch; blocks until it is ready.
  Batch next();

 private:
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };
  void start();
  void worker();
  // Makes Sequence batch `index`, or the generator's next batch (no lock held).
  Slot make(int64_t index);
  int64_t batch_index(int64_t taken);
  bool may_claim() const;
  void finish_epoch_if_needed(int64_t taken_pos);

  Generator* generator_ = nullptr;
  Sequence* sequence_ = nullptr;
  PrefetchOptions options_;
  int64_t epoch_size_ = 0;
  int64_t offset_ = 0;  // Sequence: first_batch % epoch_size_ (position 0 is that batch)

  std::mutex mutex_;
  std::mutex generator_mutex_;
  std::condition_variable produced_, consumed_;
  std::map<int64_t, Slot> ready_;
  int64_t next_claim_ = 0;  // next position a worker will make
  int64_t next_take_ = 0;   // next position next() returns
  int64_t epochs_done_ = 0; // Sequence epochs whose on_epoch_end has run
  std::vector<int64_t> order_;  // batch order of the current Sequence epoch
  int64_t order_epoch_ = -1;    // the epoch order_ was drawn for
  bool stop_ = false;
  bool failed_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace petal
