// The distributed API in a single process (the multi-process behaviour is tested
// under mpirun by mpi_equivalence and mpi_failure): one rank, collectives that
// change nothing, `.distributed = true` bit-identical to plain training, and the
// sharding arithmetic the loops use.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "train/strategy.h"
#include "petal/model/sequential.h"
#include "petal/callbacks/lambda_callback.h"
#include "petal/core/error.h"
#include "petal/distributed/distribute.h"
#include "petal/distributed/root_only.h"
#include "petal/layers/dense.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

void expect_same_weights(const Model& a, const Model& b) {
  const auto wa = a.get_weights(), wb = b.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    ASSERT_EQ(wa[i].shape(), wb[i].shape());
    for (int64_t k = 0; k < wa[i].size(); ++k) ASSERT_EQ(wa[i][k], wb[i][k]) << "weight " << i << " value " << k;
  }
}

TEST(Distributed, WithoutALauncherThisIsRankZeroOfOne) {
  const DistributedContext& ctx = DistributedContext::init();
  EXPECT_EQ(ctx.rank(), 0);
  EXPECT_EQ(ctx.size(), 1);
  EXPECT_TRUE(ctx.is_root());
  EXPECT_FALSE(ctx.active());
  EXPECT_FALSE(ctx.uses_mpi());
  std::vector<float> v{1.5f, -2.0f};
  ctx.allreduce_sum(std::span<float>(v));
  ctx.broadcast(std::span<float>(v));
  EXPECT_EQ(v, (std::vector<float>{1.5f, -2.0f}));
  std::string text = "run-7";
  ctx.broadcast(text);
  EXPECT_EQ(text, "run-7");
  ctx.barrier();
  EXPECT_EQ(run_distributed([] { return 3; }), 3);
  EXPECT_THROW(run_distributed([]() -> int { throw DataError("x"); }), DataError);
}

TEST(Distributed, FitWithDistributedIsPlainFitInOneProcess) {
  testing::ToyData d = testing::toy_data(23, 1);
  Sequential a = testing::toy_model(4), b = testing::toy_model(4);
  const FitOptions o{.batch_size = 4, .epochs = 2, .verbose = 0, .validation_split = 0.2, .seed = 9};
  FitOptions od = o;
  od.distributed = true;
  const History ha = a.fit(d.x, d.y, o);
  const History hb = b.fit(d.x, d.y, od);
  expect_same_weights(a, b);
  EXPECT_EQ(ha.history, hb.history);
  EXPECT_EQ(a.optimizer().iterations(), b.optimizer().iterations());
  EXPECT_FALSE(is_distributed(b));
}

class Batches final : public Sequence {
 public:
  explicit Batches(const testing::ToyData& d) : d_(d) {}
  int64_t size() const override { return 5; }
  Batch get(int64_t i) override { return {d_.x.slice(i * 4, i * 4 + 4), d_.y.slice(i * 4, i * 4 + 4), {}}; }

 private:
  const testing::ToyData& d_;
};

TEST(Distributed, FitGeneratorWithDistributedIsPlainInOneProcess) {
  testing::ToyData d = testing::toy_data(20, 2);
  Batches seq(d);
  Sequential a = testing::toy_model(5), b = testing::toy_model(5);
  a.fit_generator(seq, {.epochs = 2, .verbose = 0, .validation_data = &seq, .workers = 0});
  b.fit_generator(seq, {.epochs = 2, .verbose = 0, .validation_data = &seq, .workers = 0, .distributed = true});
  expect_same_weights(a, b);
}

TEST(Distributed, DistributeNeedsACompiledModelAndChangesNothingAlone) {
  Sequential raw({.input_shape = {4}});
  raw.add(Dense({.units = 2}));
  try {
    distribute(raw);
    FAIL() << "expected StateError";
  } catch (const StateError& e) {
    EXPECT_THAT(e.what(), HasSubstr("distribute: model 'sequential_1' is not compiled"));
  }
  testing::ToyData d = testing::toy_data(8, 3);
  Sequential a = testing::toy_model(6), b = testing::toy_model(6);
  distribute(b);
  EXPECT_FALSE(is_distributed(b));  // one process: no gradient hook at all
  a.train_on_batch(d.x, d.y);
  b.train_on_batch(d.x, d.y);
  expect_same_weights(a, b);
  EXPECT_EQ(distributed_stats(b).steps, 0);
}

TEST(Distributed, LogsAndBuffersAreUnchangedAlone) {
  const Logs logs{{"loss", 0.25}, {"accuracy", 0.5}};
  int64_t total = 0;
  const Logs out = average_logs(logs, 7, &total);
  EXPECT_EQ(total, 7);
  EXPECT_EQ(out.entries(), logs.entries());
  EXPECT_EQ(average_logs(logs, 0).entries(), logs.entries());
  Sequential m = testing::toy_model(1);
  const auto before = m.get_weights();
  average_buffers(m);
  broadcast_model(m);
  const auto after = m.get_weights();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(before[i].values()[0], after[i].values()[0]);
}

TEST(Distributed, RootOnlyRunsItsCallbackOnRankZero) {
  int epochs = 0;
  auto inner =
      std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [&](int64_t, Logs&) { ++epochs; }});
  testing::ToyData d = testing::toy_data(8, 3);
  Sequential m = testing::toy_model(6);
  m.fit(d.x, d.y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {root_only(inner)}, .distributed = true});
  EXPECT_EQ(epochs, 2);
  try {
    root_only(nullptr);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("RootOnly: received a null callback"));
  }
}

TEST(Distributed, SplitEvenlyGivesLowerRanksTheRemainder) {
  using detail::split_evenly;
  EXPECT_EQ(split_evenly(16, 0, 2), std::make_pair(int64_t{0}, int64_t{8}));
  EXPECT_EQ(split_evenly(16, 1, 2), std::make_pair(int64_t{8}, int64_t{8}));
  EXPECT_EQ(split_evenly(7, 0, 3), std::make_pair(int64_t{0}, int64_t{3}));
  EXPECT_EQ(split_evenly(7, 1, 3), std::make_pair(int64_t{3}, int64_t{2}));
  EXPECT_EQ(split_evenly(7, 2, 3), std::make_pair(int64_t{5}, int64_t{2}));
  EXPECT_EQ(split_evenly(2, 2, 3), std::make_pair(int64_t{2}, int64_t{0}));
}

TEST(Distributed, ShardedSequenceTakesEveryRanksBatch) {
  testing::ToyData d = testing::toy_data(20, 2);
  Batches seq(d);  // 5 batches of 4 rows
  detail::ShardedSequence shard(seq, 1, 2, seq.size() / 2);
  EXPECT_EQ(shard.size(), 2);
  for (int64_t i = 0; i < shard.size(); ++i) {
    const Batch got = shard.get(i), want = seq.get(2 * i + 1);
    EXPECT_EQ(got.x[0].values()[0], want.x[0].values()[0]) << i;
  }
}

}  // namespace
}  // namespace petal
