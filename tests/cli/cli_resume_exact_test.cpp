// `petal train --resume` ends bit-identical to an uninterrupted run in every mode
// when epochs are not whole passes over the data, with early stopping and plateau
// reduction carried across, also after a kill -9 at a random moment.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <random>
#include <thread>

#include "cli/cli_fixtures.h"
#include "cli/cli_process.h"
#include "petal/model/sequential.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::PetalProcess;
using cli_testing::read_text;
using cli_testing::run_petal;
namespace fs = std::filesystem;

class CliResumeExact : public ::testing::Test {
 protected:
  // 14 images, 10 for training in batches of 4: 2 steps per epoch, 3 batches per pass.
  void SetUp() override { cli_testing::write_class_folders(data(), {"a", "b"}, 7, 8); }
  fs::path data() const { return tmp.path() / "data"; }
  std::vector<std::string> args(const fs::path& out, const std::string& mode, int64_t epochs,
                                int64_t patience = 3) const {
    std::vector<std::string> a = {"train", "--data", data().string(), "--out", out.string(), "--model", "shallownet",
                                  "--image-size", "8", "--verbose", "0", "--seed", "1", "--threads", "1",
                                  "--batch-size", "4", "--mode", mode, "--epochs", std::to_string(epochs),
                                  "--lr-schedule", "none", "--lr", "0.05", "--early-stopping", std::to_string(patience),
                                  "--reduce-lr-on-plateau", "--plateau-patience", "1", "--monitor", "val_accuracy"};
    if (mode == "fit") a.insert(a.end(), {"--augment", "none"});
    return a;
  }
  // The files a resumed run must reproduce byte for byte.
  static void expect_same_run(const fs::path& a, const fs::path& b) {
    for (const char* f : {"model_last.petal", "model.petal", "history.csv", "report.txt"}) {
      ASSERT_TRUE(fs::exists(b / f)) << f;
      EXPECT_TRUE(read_text(a / f) == read_text(b / f)) << f << " differs";
    }
  }
  testing::TempDir tmp;
};

TEST_F(CliResumeExact, EveryModeResumesToTheUninterruptedRunsBits) {
  for (const std::string mode : {"generator", "batch", "fit"}) {
    SCOPED_TRACE(mode);
    const fs::path straight = tmp.path() / (mode + "_straight");
    ASSERT_EQ(run_petal(args(straight, mode, 12)).rc, 0);
    const int64_t done = load_model(straight / "model_last.petal").epochs_completed();
    ASSERT_LT(done, 12) << "early stopping should end the run";
    const auto config = read_text(straight / "config.json");
    if (mode != "fit") {
      EXPECT_THAT(config, ::testing::HasSubstr("\"steps_per_epoch\": 2"));
    }
    for (int64_t cut = 1; cut < done; ++cut) {
      const fs::path r = tmp.path() / (mode + "_" + std::to_string(cut));
      ASSERT_EQ(run_petal(args(r, mode, cut)).rc, 0);
      fs::remove(r / "report.json");  // as if killed before the report: --resume continues the run
      const auto resumed = run_petal({"train", "--resume", r.string(), "--epochs", "12"});
      ASSERT_EQ(resumed.rc, 0) << resumed.err;
      SCOPED_TRACE("resumed after epoch " + std::to_string(cut));
      expect_same_run(straight, r);
    }
  }
}

TEST_F(CliResumeExact, StreamedCsvRowsResumeMidFile) {
  // 24 rows in batches of 5: an epoch reads 20 rows, so epochs start mid-file.
  const fs::path csv = tmp.path() / "csv";
  fs::create_directories(csv);
  cli_testing::write_csv(csv / "flowers17_training.csv", {"a", "b", "c"}, 8, 8, 1);
  cli_testing::write_csv(csv / "flowers17_testing.csv", {"a", "b", "c"}, 3, 8, 2);
  for (const std::string mode : {"generator", "batch"}) {
    SCOPED_TRACE(mode);
    const auto a = [&](const fs::path& out, int64_t epochs) {
      return std::vector<std::string>{"train", "--data", csv.string(), "--out", out.string(), "--model", "shallownet",
                                      "--image-size", "8", "--epochs", std::to_string(epochs), "--batch-size", "5",
                                      "--seed", "1", "--verbose", "0", "--threads", "1", "--mode", mode,
                                      "--augment", "tutorial", "--lr-schedule", "none"};
    };
    const fs::path straight = tmp.path() / (mode + "_csv"), r = tmp.path() / (mode + "_csv_cut");
    ASSERT_EQ(run_petal(a(straight, 3)).rc, 0);
    ASSERT_EQ(run_petal(a(r, 1)).rc, 0);
    const auto resumed = run_petal({"train", "--resume", r.string(), "--epochs", "3"});
    ASSERT_EQ(resumed.rc, 0) << resumed.err;
    expect_same_run(straight, r);
  }
}

TEST_F(CliResumeExact, AKillMinus9AtARandomMomentResumesToTheSameBits) {
  const fs::path straight = tmp.path() / "straight", killed = tmp.path() / "killed";
  const auto a = [&](const fs::path& out) {
    auto v = args(out, "generator", 40, 8);
    v.insert(v.end(), {"--workers", "2"});
    return v;
  };
  ASSERT_EQ(run_petal(a(straight)).rc, 0);
  std::mt19937 rng(std::random_device{}());
  PetalProcess p(a(killed), tmp.path());
  ASSERT_TRUE(p.wait_until([&] { return fs::exists(killed / "model_last.petal"); })) << p.err();
  std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 150)(rng)));
  p.signal(SIGKILL);
  const int rc = p.wait();
  EXPECT_TRUE(rc == 137 || rc == 0) << rc;  // 0: the run ended before the signal
  if (rc == 137 && !fs::exists(killed / "report.json")) {  // not killed after its report (then it is complete)
    const auto resumed = run_petal({"train", "--resume", killed.string()});
    ASSERT_EQ(resumed.rc, 0) << resumed.err;
  }
  expect_same_run(straight, killed);
}

}  // namespace
}  // namespace petal
