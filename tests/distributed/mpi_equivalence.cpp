// Run by CTest as `mpirun -np 2 mpi_equivalence` (and -np 3): data-parallel
// training on R ranks with per-rank batch B equals one process with batch R*B on
// the same data (no batch norm, no dropout); the ranks end bit-identical.
// Tolerance: each weight tensor within 1e-5 of the single-process one, relative
// to the tensor's largest magnitude (float sums in another order differ ~1e-7).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "petal/model/sequential.h"
#include "petal/callbacks/csv_logger.h"
#include "petal/callbacks/lambda_callback.h"
#include "petal/callbacks/model_checkpoint.h"
#include "petal/core/error.h"
#include "petal/distributed/distribute.h"
#include "petal/distributed/root_only.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "petal/optimizers/sgd.h"

namespace {

using namespace petal;

constexpr double kTolerance = 1e-5;
int failures = 0;
double worst = 0;  // largest relative difference seen against a single process

void check(bool ok, const std::string& what) {
  if (ok) return;
  ++failures;
  std::fprintf(stderr, "rank %d: FAILED: %s\n", DistributedContext::init().rank(), what.c_str());
}

Tensor random_tensor(Shape shape, uint64_t seed) {
  Tensor t(std::move(shape));
  Rng rng(seed);
  for (float& v : t.values()) v = static_cast<float>(rng.normal());
  return t;
}

Tensor one_hot_labels(int64_t n, int64_t classes, uint64_t seed) {
  Tensor y({n, classes});
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) y.at({i, static_cast<int64_t>(rng.below(static_cast<uint64_t>(classes)))}) = 1;
  return y;
}

Model dense_model(uint64_t seed) {
  Sequential m({.seed = seed, .input_shape = {6}});
  m.add(Dense({.units = 16, .activation = "relu"}));
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.1, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  return m;
}

Model conv_model(uint64_t seed) {
  Sequential m({.seed = seed, .input_shape = {8, 8, 2}});
  m.add(Conv2D({.filters = 4, .kernel_size = {3, 3}, .padding = Padding::Same, .activation = "relu"}));
  m.add(Flatten());
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  return m;
}

// A residual graph: conv, ReLU, conv, identity shortcut (fan-out and Add),
// global average pooling, softmax (no BN: its batch statistics are per rank).
Model residual_model(uint64_t seed) {
  auto in = Input({8, 8, 2});
  auto x = Conv2D({.filters = 4, .kernel_size = {3, 3}, .padding = Padding::Same})(in);
  auto y = Conv2D({.filters = 4, .kernel_size = {3, 3}, .padding = Padding::Same})(Activation("relu")(x));
  auto out = Dense({.units = 3, .activation = "softmax"})(GlobalAveragePooling2D()(Add()({x, y})));
  Model m(in, out, {.seed = seed, .name = "residual"});
  m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  return m;
}

// Every weight within kTolerance of the reference (relative to the tensor's scale).
void expect_close(Model& a, Model& b, const std::string& what) {
  const auto wa = a.get_weights(), wb = b.get_weights();
  check(wa.size() == wb.size(), what + ": weight count");
  for (size_t i = 0; i < wa.size() && i < wb.size(); ++i) {
    double diff = 0, scale = 1e-12;
    for (int64_t k = 0; k < wa[i].size(); ++k) {
      diff = std::max(diff, std::fabs(double(wa[i][k]) - wb[i][k]));
      scale = std::max(scale, std::fabs(double(wb[i][k])));
    }
    worst = std::max(worst, diff / scale);
    check(diff / scale <= kTolerance, what + ": weight " + std::to_string(i) + " differs by " +
                                          std::to_string(diff / scale) + " (relative)");
  }
}

// Every rank holds exactly rank 0's weights (parameters and buffers).
void expect_identical_across_ranks(Model& m, const std::string& what) {
  const DistributedContext& ctx = DistributedContext::init();
  for (Tensor w : m.get_weights()) {
    Tensor root = w;
    ctx.broadcast(root.values(), 0);
    bool same = true;
    for (int64_t k = 0; k < w.size(); ++k) same = same && w[k] == root[k];
    check(same, what + ": weights differ between ranks");
  }
}

// fit of a residual graph with batch norm: every rank ends with identical weights.
void residual_fit_keeps_ranks_identical() {
  auto in = Input({8, 8, 2});
  auto x = Conv2D({.filters = 4, .kernel_size = {3, 3}, .padding = Padding::Same})(in);
  auto y = Activation("relu")(BatchNormalization()(Conv2D({.filters = 4, .kernel_size = {3, 3}, .padding = Padding::Same})(x)));
  auto out = Dense({.units = 3, .activation = "softmax"})(GlobalAveragePooling2D()(Add()({x, y})));
  Model m(in, out, {.seed = 5 + static_cast<uint64_t>(DistributedContext::init().rank())});
  m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  m.fit(random_tensor({40, 8, 8, 2}, 21), one_hot_labels(40, 3, 22), {.batch_size = 4, .epochs = 2, .verbose = 0,
                                                                      .distributed = true});
  expect_identical_across_ranks(m, "residual fit");
}

// K train_on_batch steps: rank r trains on its part of each R*B batch.
void custom_loop_matches_single_process(Model (*make)(uint64_t), const Tensor& x, const Tensor& y,
                                        const std::string& name, const DistributedOptions& options = {},
                                        int64_t buckets = 1) {
  const DistributedContext& ctx = DistributedContext::init();
  const int64_t b = 5, steps = 6, n = x.dim(0), global = b * ctx.size();
  Model single = make(7);
  Model dist = make(7 + static_cast<uint64_t>(ctx.rank()));  // other ranks start elsewhere: broadcast fixes it
  distribute(dist, options);
  for (int64_t k = 0; k < steps; ++k) {
    const int64_t begin = (k * global) % (n - global);
    single.train_on_batch(x.slice(begin, begin + global), y.slice(begin, begin + global));
    const int64_t mine = begin + ctx.rank() * b;
    dist.train_on_batch(x.slice(mine, mine + b), y.slice(mine, mine + b));
  }
  expect_close(dist, single, name + " custom loop");
  expect_identical_across_ranks(dist, name + " custom loop");
  check(dist.optimizer().iterations() == steps, name + ": optimizer iterations");
  const DistributedStats st = distributed_stats(dist);
  check(st.steps == steps && st.buckets == buckets, name + ": " + std::to_string(st.buckets) + " buckets");
  int64_t grads = 0;  // gradient storage (blocked layouts may pad a little)
  for (const Param* p : dist.params()) grads += p->trainable ? p->grad.size() : 0;
  check(st.floats_per_step == grads && grads >= dist.count_params() - 64,
        name + ": every gradient reduced once (" + std::to_string(st.floats_per_step) + " of " +
            std::to_string(grads) + ")");
}

// fit on 69 samples (validation_split leaves 55: a short last global batch, of
// 7 split 4 + 3 on two ranks) equals fit with batch R*B, weights and History alike.
// Each rank builds its model with its own seed: weights and the shuffling seed
// (the model's by default) must both come from rank 0.
void fit_matches_single_process() {
  const Tensor x = random_tensor({69, 6}, 11), y = one_hot_labels(69, 3, 12);
  Model single = dense_model(7), dist = dense_model(7 + static_cast<uint64_t>(DistributedContext::init().rank()));
  const FitOptions common{.batch_size = 8, .epochs = 3, .verbose = 0, .validation_split = 0.2};
  FitOptions one = common, many = common;
  one.batch_size = 8 * DistributedContext::init().size();
  many.distributed = true;
  const History h1 = single.fit(x, y, one);
  const History h2 = dist.fit(x, y, many);
  expect_close(dist, single, "fit");
  expect_identical_across_ranks(dist, "fit");
  for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) {
    const auto& a = h1.history.at(key);
    const auto& b = h2.history.at(key);
    check(a.size() == 3 && b.size() == 3, std::string("fit history ") + key + " length");
    for (size_t e = 0; e < a.size() && e < b.size(); ++e) {
      check(std::fabs(a[e] - b[e]) <= kTolerance * (1 + std::fabs(a[e])),
            std::string("fit history ") + key + " epoch " + std::to_string(e) + ": " + std::to_string(a[e]) +
                " vs " + std::to_string(b[e]));
    }
  }
}

// Ranks whose first batches differ in size (rank r: 2 + r rows, then 5 each):
// no layout a parameter takes may depend on a rank's own batch size, or the
// ranks would reduce differently laid out gradients (or issue collectives the
// others do not). The reference trains on the union of each step's rows.
void uneven_first_batches() {
  const DistributedContext& ctx = DistributedContext::init();
  const Tensor x = random_tensor({80, 6}, 31), y = one_hot_labels(80, 3, 32);
  Model single = dense_model(7), dist = dense_model(7);
  distribute(dist);
  int64_t begin = 0;
  for (int64_t step = 0; step < 4; ++step) {
    int64_t mine = begin, total = 0;
    for (int r = 0; r < ctx.size(); ++r) {
      const int64_t rows = step == 0 ? 2 + r : 5;
      if (r == ctx.rank()) {
        mine = begin + total;
        dist.train_on_batch(x.slice(mine, mine + rows), y.slice(mine, mine + rows));
      }
      total += rows;
    }
    single.train_on_batch(x.slice(begin, begin + total), y.slice(begin, begin + total));
    begin += total;
  }
  expect_close(dist, single, "uneven first batches");
  expect_identical_across_ranks(dist, "uneven first batches");
}

// A Sequence of 8 batches: rank r trains on batches r, r + R, ... (shuffle off).
class FixedBatches final : public Sequence {
 public:
  FixedBatches(const Tensor& x, const Tensor& y) : x_(x), y_(y) {}
  int64_t size() const override { return 8; }
  Batch get(int64_t i) override { return {x_.slice(i * 6, i * 6 + 6), y_.slice(i * 6, i * 6 + 6), {}}; }

 private:
  const Tensor &x_, &y_;
};

void fit_generator_shards_a_sequence() {
  const Tensor x = random_tensor({48, 6}, 21), y = one_hot_labels(48, 3, 22);
  FixedBatches seq(x, y);
  Model single = dense_model(7), dist = dense_model(7);
  const int64_t ranks = DistributedContext::init().size(), rows = 6 * ranks;
  for (int64_t s = 0; s < 8 / ranks; ++s) {
    single.train_on_batch(x.slice(s * rows, (s + 1) * rows), y.slice(s * rows, (s + 1) * rows));
  }
  dist.fit_generator(seq, {.verbose = 0, .workers = 0, .shuffle = false, .distributed = true});
  expect_close(dist, single, "fit_generator");
  expect_identical_across_ranks(dist, "fit_generator");
}

// Writers run on rank 0 only; other callbacks on every rank, with global logs.
void writers_on_rank_zero(const std::string& dir) {
  const DistributedContext& ctx = DistributedContext::init();
  const std::string csv = dir + "/log_rank" + std::to_string(ctx.rank()) + ".csv";
  int wrapped = 0, everywhere = 0;
  double last_loss = 0;
  auto count_wrapped =
      std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [&](int64_t, Logs&) { ++wrapped; }});
  auto count_all = std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [&](int64_t, Logs& l) {
    ++everywhere;
    last_loss = l.at("loss");
  }});
  const Tensor x = random_tensor({40, 6}, 31), y = one_hot_labels(40, 3, 32);
  Model m = dense_model(3);
  const std::vector<CallbackPtr> callbacks{std::make_shared<CSVLogger>(csv), root_only(count_wrapped), count_all};
  m.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = callbacks, .distributed = true});
  ctx.barrier();
  check(std::filesystem::exists(csv) == ctx.is_root(), "CSVLogger writes on rank 0 only: " + csv);
  check(wrapped == (ctx.is_root() ? 2 : 0), "RootOnly callback ran " + std::to_string(wrapped) + " times");
  check(everywhere == 2, "plain callbacks run on every rank");
  double root_loss = last_loss;
  std::vector<double> v{root_loss};
  ctx.broadcast(std::span<double>(v));
  check(v[0] == last_loss, "every rank sees the same (global) epoch logs");
}

// Rank 0 checkpoints after epoch 2; every rank loads that file and resumes, and
// ends where an uninterrupted distributed run does.
void resume_from_rank_zero_checkpoint(const std::string& dir) {
  const DistributedContext& ctx = DistributedContext::init();
  const Tensor x = random_tensor({40, 6}, 51), y = one_hot_labels(40, 3, 52);
  const std::string path = dir + "/checkpoint.petal";
  Model full = dense_model(3), first = dense_model(3);
  full.fit(x, y, {.batch_size = 4, .epochs = 3, .verbose = 0, .seed = 5, .distributed = true});
  auto checkpoint = std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{.filepath = path});
  first.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {checkpoint}, .seed = 5,
                   .distributed = true});
  ctx.barrier();  // the file is complete before any rank reads it
  Model resumed = load_model(path);
  resumed.fit(x, y, {.batch_size = 4, .epochs = 3, .verbose = 0, .initial_epoch = 2, .seed = 5, .distributed = true});
  expect_close(resumed, full, "resume");
  expect_identical_across_ranks(resumed, "resume");
}

// Ranks with different models are told so, on every rank, instead of reducing garbage.
void mismatched_models_are_reported() {
  const DistributedContext& ctx = DistributedContext::init();
  Sequential m({.seed = 1, .input_shape = {6}});
  m.add(Dense({.units = ctx.rank() == 0 ? 8 : 9, .activation = "relu"}));
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.05}), "categorical_crossentropy");
  distribute(m);
  std::string message;
  try {
    m.train_on_batch(random_tensor({4, 6}, 61), one_hot_labels(4, 3, 62));
  } catch (const StateError& e) {
    message = e.what();
  }
  check(message.find("distribute: the ranks' models differ") != std::string::npos,
        "mismatched models: expected a StateError; received '" + message + "'");
}

// check_same_weights passes on synchronised ranks and reports one that drifted.
void drifted_weights_are_reported() {
  const DistributedContext& ctx = DistributedContext::init();
  Model m = dense_model(7);
  distribute(m);
  m.train_on_batch(random_tensor({4, 6}, 71), one_hot_labels(4, 3, 72));
  std::string message = "none";
  try {
    check_same_weights(m);
  } catch (const StateError& e) {
    message = e.what();
  }
  check(message == "none", "synchronised ranks: expected no error; received '" + message + "'");
  if (ctx.rank() == ctx.size() - 1) m.params()[0]->value[0] += 1e-6f;
  message.clear();
  try {
    check_same_weights(m);
  } catch (const StateError& e) {
    message = e.what();
  }
  check(message.find("the ranks' weights differ") != std::string::npos,
        "drifted rank: expected a StateError; received '" + message + "'");
}

// Batch norm: per-rank batch statistics, moving averages averaged at epoch ends.
void batch_norm_buffers_agree() {
  const Tensor x = random_tensor({32, 6}, 41), y = one_hot_labels(32, 3, 42);
  Sequential m({.seed = 1, .input_shape = {6}});
  m.add(Dense({.units = 8, .activation = "relu"}));
  m.add(BatchNormalization());
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.05}), "categorical_crossentropy");
  m.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 0, .distributed = true});
  expect_identical_across_ranks(m, "batch norm");
}

}  // namespace

int main() {
  const DistributedContext& ctx = DistributedContext::init();
  if (ctx.size() < 2 || ctx.size() > 4) {
    std::fprintf(stderr, "mpi_equivalence: expected 2 to 4 ranks (mpirun -np 2); received %d\n", ctx.size());
    return 2;
  }
  set_num_threads(1);
  const Tensor x = random_tensor({60, 6}, 1), y = one_hot_labels(60, 3, 2);
  custom_loop_matches_single_process(dense_model, x, y, "dense");
  // Every reduction mode: blocking, non-blocking, a bucket per layer (64 bytes).
  custom_loop_matches_single_process(dense_model, x, y, "dense blocking", {.overlap = false});
  custom_loop_matches_single_process(dense_model, x, y, "dense non-blocking", {.reduce_thread = false});
  custom_loop_matches_single_process(dense_model, x, y, "dense small buckets", {.bucket_bytes = 64}, 2);
  custom_loop_matches_single_process(dense_model, x, y, "dense small buckets non-blocking",
                                     {.reduce_thread = false, .bucket_bytes = 64}, 2);
  custom_loop_matches_single_process(conv_model, random_tensor({60, 8, 8, 2}, 3), one_hot_labels(60, 3, 4), "conv");
  custom_loop_matches_single_process(residual_model, random_tensor({60, 8, 8, 2}, 5), one_hot_labels(60, 3, 6),
                                     "residual");
  residual_fit_keeps_ranks_identical();
  uneven_first_batches();
  fit_matches_single_process();
  fit_generator_shards_a_sequence();
  std::string dir;
  if (ctx.is_root()) {
    dir = (std::filesystem::temp_directory_path() / ("petal-mpi-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(dir);
  }
  ctx.broadcast(dir);
  writers_on_rank_zero(dir);
  resume_from_rank_zero_checkpoint(dir);
  ctx.barrier();
  if (ctx.is_root()) std::filesystem::remove_all(dir);
  batch_norm_buffers_agree();
  mismatched_models_are_reported();
  drifted_weights_are_reported();
  std::vector<double> totals{static_cast<double>(failures)};
  ctx.allreduce_sum(std::span<double>(totals));
  if (ctx.is_root()) {
    std::printf("mpi_equivalence on %d ranks: %s (%d failures; largest relative difference to one process %.3g, "
                "tolerance %.0e)\n",
                ctx.size(), totals[0] == 0 ? "passed" : "FAILED", static_cast<int>(totals[0]), worst, kTolerance);
  }
  return totals[0] == 0 ? 0 : 1;
}
