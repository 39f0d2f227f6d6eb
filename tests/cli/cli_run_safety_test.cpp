// A run folder is never lost or mixed: one run per folder (a lock), SIGINT and
// SIGTERM stop cleanly and resumably, and --resume refuses what it cannot apply,
// finishes a run killed before its report, restores a best model a kill left
// stale, and removes the temporary files of an interrupted write.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <sstream>
#include <streambuf>

#include "cli/cli_test_base.h"
#include "cli/cli_process.h"
#include "petal/app/trainer.h"
#include "petal/model/sequential.h"
#include "petal/report/history_csv.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::PetalProcess;
using cli_testing::read_text;
using cli_testing::run_petal;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class CliRunSafety : public cli_testing::CliTest {
 protected:
  CliRunSafety() : CliTest({.per_class = 6}) {}
  // Batches of 4 into `dir` (out() when empty).
  std::vector<std::string> args(std::vector<std::string> more, const fs::path& dir = {}) const {
    more.insert(more.begin(), {"--batch-size", "4"});
    return train_args(more, {}, dir);
  }
  static int64_t epochs_in(const fs::path& model) { return load_model(model).epochs_completed(); }
};

TEST_F(CliRunSafety, ASecondRunOnTheSameFolderFailsAtOnceNamingTheFirstsPid) {
  PetalProcess first(args({"--epochs", "100000"}), tmp.path());
  ASSERT_TRUE(first.wait_until([&] { return fs::exists(out() / "train.log"); })) << first.err();
  const auto second = run_petal(args({"--epochs", "1"}));
  EXPECT_EQ(second.rc, 1) << second.err;
  EXPECT_THAT(second.err, AllOf(HasSubstr("--out '" + out().string() + "'"),
                                HasSubstr("another petal train (pid " + std::to_string(first.pid()) + ")")));
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(), 143) << first.err();
  // The lock went with the process: the folder takes a run again.
  EXPECT_EQ(run_petal(args({"--epochs", "1", "--overwrite"})).rc, 0);
}

TEST_F(CliRunSafety, SigintStopsAfterTheStepLeavesAResumableRunAndSaysHow) {
  PetalProcess p(args({"--epochs", "100000"}), tmp.path());
  ASSERT_TRUE(p.wait_until([&] { return fs::exists(out() / "model_last.petal"); })) << p.err();
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(), 130) << p.err();
  EXPECT_THAT(p.err(), HasSubstr("resume with: petal train --resume " + out().string()));
  const int64_t done = epochs_in(out() / "model_last.petal");
  EXPECT_GE(done, 1);
  // history.csv records exactly the saved epochs: the one cut short is dropped.
  EXPECT_EQ(static_cast<int64_t>(read_history_csv(out() / "history.csv").at("loss").size()), done);
  EXPECT_THAT(read_text(out() / "train.log"), HasSubstr("model_last.petal holds epoch " + std::to_string(done)));
  EXPECT_FALSE(fs::exists(out() / "report.json"));
  const auto resumed = run_petal({"train", "--resume", out().string(), "--epochs", std::to_string(done + 1)});
  ASSERT_EQ(resumed.rc, 0) << resumed.err;
  EXPECT_EQ(epochs_in(out() / "model_last.petal"), done + 1);
  EXPECT_TRUE(fs::exists(out() / "report.json"));
}

// Raises SIGINT the first time `text` has been written through it.
class RaiseOnText : public std::streambuf {
 public:
  explicit RaiseOnText(std::string text) : text_(std::move(text)) {}

 protected:
  int overflow(int c) override {
    if (raised_ || c == EOF) return c;
    seen_ += static_cast<char>(c);
    if (seen_.find(text_) != std::string::npos) {
      raised_ = true;
      std::raise(SIGINT);
    }
    return c;
  }

 private:
  std::string text_, seen_;
  bool raised_ = false;
};

// Sends std::cout through `buf` while it lives.
class CoutThrough {
 public:
  explicit CoutThrough(std::streambuf* buf) : old_(std::cout.rdbuf(buf)) {}
  ~CoutThrough() { std::cout.rdbuf(old_); }
  CoutThrough(const CoutThrough&) = delete;
  CoutThrough& operator=(const CoutThrough&) = delete;

 private:
  std::streambuf* old_;
};

// The signal lands while the epoch ends, before the run recorder saves it (the
// progress bar prints the epoch's validation loss first): the epoch is complete and
// kept, and the run resumes to train on, not as one that stopped early.
TEST_F(CliRunSafety, AnInterruptWhileAnEpochEndsKeepsTheEpochAndTrainingGoesOn) {
  TrainConfig c;
  c.data = data().string();
  c.out = out().string();
  c.model = "shallownet";
  c.image_height = c.image_width = 8;
  c.seed = 1;
  c.epochs = 5;
  c.batch_size = 4;
  c.threads = 1;
  c.verbose = 1;
  std::ostringstream console;
  RaiseOnText raiser("val_loss");
  TrainResult r;
  {
    const CoutThrough redirect(&raiser);
    r = train(c, {.console = &console});
  }
  EXPECT_EQ(r.interrupted_by, SIGINT) << console.str();
  EXPECT_EQ(r.epochs_completed, 1);
  EXPECT_EQ(epochs_in(out() / "model_last.petal"), 1);
  c.epochs = 2;
  c.verbose = 0;
  const TrainResult resumed = train(c, {.resume = true, .console = &console});
  EXPECT_EQ(resumed.epochs_completed, 2) << console.str();
  EXPECT_EQ(epochs_in(out() / "model_last.petal"), 2);
}

TEST_F(CliRunSafety, ASecondInterruptStopsAtOnce) {
  // Steps long enough (vgg_bn, 64 px) that the second signal lands inside one.
  const fs::path big = tmp.path() / "big";
  cli_testing::write_class_folders(big, {"a", "b"}, 16, 32);
  PetalProcess p({"train", "--data", big.string(), "--out", out().string(), "--model", "vgg_bn", "--image-size", "64",
                  "--batch-size", "32", "--epochs", "100000", "--verbose", "0", "--seed", "1", "--threads", "1"},
                 tmp.path());
  ASSERT_TRUE(p.wait_until([&] { return fs::exists(out() / "model_last.petal"); })) << p.err();
  p.signal(SIGINT);
  ASSERT_TRUE(p.wait_until([&] { return p.err().find("finishing the current step") != std::string::npos; }));
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(), 130);
  EXPECT_THAT(p.err(), HasSubstr("interrupted again; stopping at once"));
  EXPECT_GE(epochs_in(out() / "model_last.petal"), 1);  // the last complete epoch is intact
}

TEST_F(CliRunSafety, ResumeRefusesAnotherNetworkThanConfigJsonNames) {
  ASSERT_EQ(run_petal(args({"--epochs", "1"})).rc, 0);
  const fs::path other = tmp.path() / "other";
  ASSERT_EQ(run_petal(args({"--epochs", "1", "--model", "lenet"}, other)).rc, 0);
  fs::copy_file(other / "model_last.petal", out() / "model_last.petal", fs::copy_options::overwrite_existing);
  const auto r = run_petal({"train", "--resume", out().string(), "--epochs", "2"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("config.json names model 'shallownet' but model_last.petal holds another "
                                     "network"),
                           Not(HasSubstr("internal error"))));
}

TEST_F(CliRunSafety, ResumeRefusesOptimizerOptionsItCannotApply) {
  ASSERT_EQ(run_petal(args({"--epochs", "1"})).rc, 0);
  const auto lr = run_petal({"train", "--resume", out().string(), "--epochs", "2", "--lr", "0.5"});
  EXPECT_EQ(lr.rc, 1);
  EXPECT_THAT(lr.err, AllOf(HasSubstr("--resume: --lr 0.5 differs from the run's --lr"), HasSubstr("Hint:")));
  const auto opt = run_petal({"train", "--resume", out().string(), "--epochs", "2", "--optimizer", "adam"});
  EXPECT_THAT(opt.err, HasSubstr("--optimizer adam differs"));
  // Options a resumed run does apply are taken.
  EXPECT_EQ(run_petal({"train", "--resume", out().string(), "--epochs", "2", "--workers", "2"}).rc, 0);
  EXPECT_EQ(epochs_in(out() / "model_last.petal"), 2);
}

TEST_F(CliRunSafety, ResumeFinishesTheReportOfARunKilledAfterItsLastEpoch) {
  ASSERT_EQ(run_petal(args({"--epochs", "2"})).rc, 0);
  for (const char* f : {"report.txt", "report.json", "plot.png", "confusion.png"}) fs::remove(out() / f);
  const auto r = run_petal({"train", "--resume", out().string()});
  ASSERT_EQ(r.rc, 0) << r.err;
  for (const char* f : {"report.txt", "report.json", "plot.png", "confusion.png"}) EXPECT_TRUE(fs::exists(out() / f));
  EXPECT_THAT(read_text(out() / "train.log"), HasSubstr("the run completed its 2 epochs before it was stopped"));
  EXPECT_EQ(epochs_in(out() / "model_last.petal"), 2);
  // Once reported, the run is complete.
  EXPECT_THAT(run_petal({"train", "--resume", out().string()}).err, HasSubstr("the run already completed 2 epochs"));
}

TEST_F(CliRunSafety, ResumeRestoresTheBestModelAKillLeftStale) {
  ASSERT_EQ(run_petal(args({"--epochs", "2", "--checkpoint-every", "1", "--monitor", "loss"})).rc, 0);
  const auto loss = read_history_csv(out() / "history.csv").at("loss");
  const int64_t best = loss[1] < loss[0] ? 2 : 1, other = 3 - best;
  ASSERT_EQ(epochs_in(out() / "model.petal"), best);
  // As if killed while model.petal was written: it still holds the other epoch.
  fs::copy_file(out() / "checkpoints" / ("epoch_00" + std::to_string(other) + ".petal"), out() / "model.petal",
                fs::copy_options::overwrite_existing);
  fs::remove(out() / "report.json");
  ASSERT_EQ(run_petal({"train", "--resume", out().string()}).rc, 0);
  EXPECT_EQ(epochs_in(out() / "model.petal"), best);
  EXPECT_THAT(read_text(out() / "train.log"), HasSubstr("restored the best epoch " + std::to_string(best)));
}

TEST_F(CliRunSafety, ResumeRemovesTemporaryFilesOfAnInterruptedWrite) {
  ASSERT_EQ(run_petal(args({"--epochs", "1", "--checkpoint-every", "1"})).rc, 0);
  std::ofstream(out() / "model_last.petal.tmp.99999.0") << "partial";
  std::ofstream(out() / "checkpoints" / "epoch_002.petal.tmp.4242.3") << "partial";
  std::ofstream(out() / "notes.tmp.txt") << "not ours";
  ASSERT_EQ(run_petal({"train", "--resume", out().string(), "--epochs", "2"}).rc, 0);
  EXPECT_FALSE(fs::exists(out() / "model_last.petal.tmp.99999.0"));
  EXPECT_FALSE(fs::exists(out() / "checkpoints" / "epoch_002.petal.tmp.4242.3"));
  EXPECT_TRUE(fs::exists(out() / "notes.tmp.txt"));
  EXPECT_THAT(read_text(out() / "train.log"), HasSubstr("removed 2 temporary file(s)"));
}

TEST_F(CliRunSafety, ARunThatFailedBeforeItsFirstEpochOffersOverwrite) {
  ASSERT_EQ(run_petal(args({"--epochs", "1"})).rc, 0);
  const fs::path early = tmp.path() / "early";
  fs::create_directories(early);
  fs::copy_file(out() / "config.json", early / "config.json");  // what a run has before epoch 1 ends
  const auto again = run_petal(args({"--epochs", "1"}, early));
  EXPECT_EQ(again.rc, 1);
  EXPECT_THAT(again.err, AllOf(HasSubstr("stopped before its first epoch ended"), HasSubstr("--overwrite"),
                               Not(HasSubstr("--resume"))));
  const auto resume = run_petal({"train", "--resume", early.string()});
  EXPECT_EQ(resume.rc, 1);
  EXPECT_THAT(resume.err, AllOf(HasSubstr("the run stopped before its first epoch ended"), HasSubstr("--overwrite")));
  EXPECT_EQ(run_petal(args({"--epochs", "1", "--overwrite"}, early)).rc, 0);
}

// Running as root, permissions cannot make a file unopenable; a folder where a
// file should be gives the same path through open(2) and its strerror.
TEST_F(CliRunSafety, AFileThatCannotBeOpenedSaysWhy) {
  fs::create_directories(out() / ".petal.lock");
  const auto lock = run_petal(args({"--epochs", "1"}));
  EXPECT_EQ(lock.rc, 1);
  EXPECT_THAT(lock.err, HasSubstr("cannot open the lock file '.petal.lock': Is a directory."));
  fs::remove(out() / ".petal.lock");
  fs::create_directories(out() / "train.log");
  const auto log = run_petal(args({"--epochs", "1"}));
  EXPECT_EQ(log.rc, 1);
  EXPECT_THAT(log.err, HasSubstr("train.log': cannot open the file for writing: Is a directory."));
}

}  // namespace
}  // namespace petal
