// `mpirun -np 2 petal train` end to end: both modes finish, rank 0 alone writes
// the run, and the trainer's cross-rank check finds identical weights.
#include <gtest/gtest.h>

#include "cli/cli_fixtures.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

namespace fs = std::filesystem;

class CliMpi : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
#ifndef PETAL_MPIEXEC
    GTEST_SKIP() << "petal built without MPI, or with the sanitizers (OpenMPI's runtime is not instrumented)";
#else
    cli_testing::write_class_folders(tmp.path() / "data", {"a", "b", "c"}, 10, 16);
#endif
  }
  testing::TempDir tmp;
};

TEST_P(CliMpi, TwoRanksTrainToIdenticalWeights) {
#ifdef PETAL_MPIEXEC
  const fs::path run = tmp.path() / "run";
  const auto r = cli_testing::run_petal(
      {"train", "--data", (tmp.path() / "data").string(), "--out", run.string(), "--model", "minivggnet",
       "--image-size", "16", "--batch-size", "4", "--epochs", "2", "--seed", "3", "--verbose", "0", "--threads", "1",
       "--mode", GetParam(), "--augment", std::string(GetParam()) == "fit" ? "none" : "tutorial"},
      {}, PETAL_MPIEXEC);
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  const std::string log = cli_testing::read_text(run / "train.log");
  EXPECT_NE(log.find("[INFO] distributed: all 2 ranks hold identical weights"), std::string::npos) << log;
  EXPECT_TRUE(fs::is_regular_file(run / "model.petal"));
  EXPECT_TRUE(fs::is_regular_file(run / "report.txt"));
#endif
}

INSTANTIATE_TEST_SUITE_P(Modes, CliMpi, ::testing::Values("fit", "generator"));

}  // namespace
}  // namespace petal
