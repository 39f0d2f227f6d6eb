// fit: batches from arrays in RAM (Keras's fit_loop).
#include <cstdio>
#include <cstring>
#include <numeric>

#include "model/model_impl.h"
#include "petal/core/error.h"
#include "train/train_loop.h"

namespace petal {

namespace {

// Copies the rows listed in `rows` from src into dst (resized as needed).
void gather_rows(const Tensor& src, std::span<const int64_t> rows, Tensor& dst) {
  Shape s = src.shape();
  s[0] = static_cast<int64_t>(rows.size());
  if (dst.shape() != s) dst = Tensor(s);
  const int64_t row = src.row_size();
  for (size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(dst.data() + static_cast<int64_t>(i) * row, src.data() + rows[i] * row, row * sizeof(float));
  }
}

// Batcher over the first n rows: an epoch-by-epoch permutation (from the seed)
// read as a continuous stream, so steps_per_epoch may cut epochs anywhere.
// Distributed over `ranks` ranks, a step takes a global batch of ranks * batch
// positions of the stream (the same permutation on every rank) and rank r reads
// its r-th part; a pass's tail too short to give every rank a sample is skipped.
class ArraySource final : public detail::EpochSource {
 public:
  ArraySource(const TensorRefs& x, const TensorRefs& y, const Tensor& w, int64_t n, int64_t batch, bool shuffle,
              uint64_t seed, std::pair<int, int> shard)
      : x_(x), y_(y), w_(w), n_(n), batch_(batch), shuffle_(shuffle), seed_(seed), rank_(shard.first),
        ranks_(shard.second) {
    for (size_t i = 0; i < x.size(); ++i) batch_buf_.x.push_back(Tensor());
    for (size_t i = 0; i < y.size(); ++i) batch_buf_.y.push_back(Tensor());
  }

  // Steps of one pass over the data (ceil(n / batch) in one process).
  int64_t steps_per_pass() const {
    const int64_t global = batch_ * ranks_;
    return n_ / global + (n_ % global >= ranks_ ? 1 : 0);
  }

  // One pass per epoch: epoch e reads pass e. With a custom steps_per_epoch the
  // stream continues across epochs; a resumed run replays the batch sizes to find
  // where epoch `initial_epoch` starts.
  void begin_epoch(int64_t epoch) override {
    if (steps_per_epoch_ == steps_per_pass()) {
      cursor_ = epoch * n_;
    } else if (!positioned_) {
      for (int64_t i = 0; i < epoch * steps_per_epoch_; ++i) {
        const auto [start, count] = global_batch();
        cursor_ = start + count;
      }
    }
    positioned_ = true;
  }

  const Batch& next() override {
    const auto [start, global_count] = global_batch();
    const int64_t pass = start / n_;
    const auto [part, count] = detail::split_evenly(global_count, rank_, ranks_);
    const int64_t offset = start % n_ + part;
    cursor_ = start + global_count;
    if (pass != pass_ || order_.empty()) {
      pass_ = pass;
      order_.resize(static_cast<size_t>(n_));
      std::iota(order_.begin(), order_.end(), 0);
      if (shuffle_) Rng(seed_).fork(static_cast<uint64_t>(pass)).shuffle(std::span<int64_t>(order_));
    }
    const std::span<const int64_t> rows(order_.data() + offset, static_cast<size_t>(count));
    for (size_t i = 0; i < x_.size(); ++i) gather_rows(x_[i], rows, batch_buf_.x[i]);
    for (size_t i = 0; i < y_.size(); ++i) gather_rows(y_[i], rows, batch_buf_.y[i]);
    if (!w_.empty()) gather_rows(w_, rows, batch_buf_.sample_weight);
    return batch_buf_;
  }

  void set_steps(int64_t steps) { steps_per_epoch_ = steps; }

 private:
  // {stream position, size} of the global batch at the cursor.
  std::pair<int64_t, int64_t> global_batch() const {
    int64_t start = cursor_, left = n_ - cursor_ % n_;
    if (left < ranks_) {
      start += left;
      left = n_;
    }
    return {start, std::min(batch_ * ranks_, left)};
  }

  const TensorRefs &x_, &y_;
  const Tensor& w_;
  int64_t n_, batch_;
  bool shuffle_;
  uint64_t seed_;
  int rank_, ranks_;
  int64_t steps_per_epoch_ = 0, cursor_ = 0, pass_ = -1;
  bool positioned_ = false;
  std::vector<int64_t> order_;
  Batch batch_buf_;
};

}  // namespace

namespace detail {

void check_arrays(const std::string& where, const TensorRefs& x, const TensorRefs& y, const Tensor& w) {
  if (x.empty() || y.empty()) throw ShapeError(where + ": expected x and y arrays; received an empty list.");
  const int64_t n = x[0].rank() > 0 ? x[0].dim(0) : 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].rank() < 2 || x[i].dim(0) == 0 || x[i].dim(0) != n) {
      throw ShapeError(where + ": expected x as non-empty batches [N, ...] with one N; received " +
                       to_string(x[i].shape()) + ".");
    }
  }
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i].rank() < 1 || y[i].dim(0) != n) {
      throw ShapeError(where + ": x has " + std::to_string(n) + " samples but y has shape " + to_string(y[i].shape()) +
                       "; expected the same number of rows.");
    }
  }
  if (!w.empty() && (w.rank() != 1 || w.dim(0) != n)) {
    throw ShapeError(where + ": expected sample_weight of shape [" + std::to_string(n) + "]; received " +
                     to_string(w.shape()) + ".");
  }
}

}  // namespace detail

History Model::fit(const TensorRefs& x, const TensorRefs& y, const FitOptions& o) {
  impl_->require_compiled("fit");
  detail::check_arrays(name() + ".fit", x, y, o.sample_weight);
  if (o.batch_size < 1) throw ConfigError("fit: expected batch_size >= 1; received " + std::to_string(o.batch_size) + ".");
  if (!(o.validation_split >= 0.0 && o.validation_split < 1.0)) {
    throw ConfigError("fit: expected validation_split in [0, 1); received " + std::to_string(o.validation_split) + ".");
  }
  const int64_t n = x.rows();
  int64_t n_train = n;
  ValidationSource validation = o.validation_data;
  if (std::holds_alternative<std::monostate>(validation) && o.validation_split > 0.0) {
    // Keras: the last fraction of the data, taken before any shuffling.
    n_train = static_cast<int64_t>(static_cast<double>(n) * (1.0 - o.validation_split));
    if (n_train <= 0 || n_train >= n) {
      throw ConfigError("fit: validation_split=" + std::to_string(o.validation_split) + " of " + std::to_string(n) +
                        " samples leaves " + std::to_string(n_train) + " for training; expected both parts non-empty.");
    }
    ValidationData v{x.slice(n_train, n), y.slice(n_train, n),
                     o.sample_weight.empty() ? Tensor() : o.sample_weight.slice(n_train, n)};
    validation = std::move(v);
  }
  impl_->prepare_inputs(*this, x.slice(0, 1), "fit");
  std::unique_ptr<detail::TrainStrategy> strategy = detail::make_strategy(*this, o.distributed);
  const std::pair<int, int> shard{strategy->rank(), strategy->ranks()};
  if (n_train < shard.second) {
    throw ConfigError("fit: distributed over " + std::to_string(shard.second) + " ranks, expected at least one "
                      "training sample per rank; received " + std::to_string(n_train) + ".");
  }
  const uint64_t shuffle_seed = strategy->common(o.seed.value_or(seed()));
  ArraySource source(x, y, o.sample_weight, n_train, o.batch_size, o.shuffle, shuffle_seed, shard);
  detail::LoopSettings s;
  s.epochs = o.epochs;
  s.initial_epoch = o.initial_epoch;
  s.steps_per_epoch = o.steps_per_epoch > 0 ? o.steps_per_epoch : source.steps_per_pass();
  source.set_steps(s.steps_per_epoch);
  s.verbose = o.verbose;
  s.callbacks = o.callbacks;
  s.count_steps = o.steps_per_epoch > 0;
  s.batch_size = o.batch_size;
  s.samples = n_train;
  s.class_weight = o.class_weight;
  if (!std::holds_alternative<std::monostate>(validation)) {
    s.validate = strategy->validator(*this, validation, o.validation_steps);
  }
  // Keras 2.2.4's fit_loop announces array validation at verbose >= 1 (rank 0 only).
  if (const auto* v = std::get_if<ValidationData>(&validation); v && o.verbose >= 1 && shard.first == 0) {
    std::printf("Train on %lld samples, validate on %lld samples\n", static_cast<long long>(n_train),
                static_cast<long long>(v->x.rows()));
    std::fflush(stdout);
  }
  return detail::run_fit_loop(*this, source, s, *strategy);
}

}  // namespace petal
