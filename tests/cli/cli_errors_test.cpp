// Every documented error path of the CLI: one clear line on stderr (plus a
// Hint where a fix is known) and the documented exit code: 2 for usage
// mistakes (unknown option, bad value), 1 for failures (missing data or files).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_test_base.h"
#include "petal/io/npy.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::run_petal;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class CliErrors : public cli_testing::CliTest {
 protected:
  cli_testing::CliResult train(std::vector<std::string> more) {
    more.insert(more.begin(), {"--epochs", "1"});
    return run_petal(train_args(more));
  }
  // A model file from a one-epoch run.
  fs::path trained_model() {
    const auto r = train({});
    EXPECT_EQ(r.rc, 0) << r.err;
    return out() / "model_last.petal";
  }
};

// One line (a Hint may follow on its own line), no stack trace.
void expect_one_error(const cli_testing::CliResult& r, int rc, const std::string& message) {
  EXPECT_EQ(r.rc, rc) << r.err;
  EXPECT_THAT(r.err, HasSubstr(message));
  const std::string first_line = r.err.substr(0, r.err.find('\n'));
  EXPECT_THAT(first_line, HasSubstr(message.substr(0, message.find('\n'))));
  EXPECT_THAT(r.err, Not(HasSubstr("internal error")));
  EXPECT_THAT(r.err, Not(HasSubstr("terminate called")));
}

TEST_F(CliErrors, UnknownCommand) { expect_one_error(run_petal({"trian"}), 2, "petal: unknown command 'trian'"); }

TEST_F(CliErrors, UnknownFlag) {
  expect_one_error(train({"--epoch", "3"}), 2, "petal train: unknown option --epoch (see petal train --help)");
  expect_one_error(run_petal({"evaluate", "--modle", "x"}), 2, "petal evaluate: unknown option --modle");
}

TEST_F(CliErrors, BadValues) {
  expect_one_error(train({"--epochs", "three"}), 2, "--epochs: expected an integer in [1, 100000]; received 'three'.");
  expect_one_error(train({"--lr", "-1"}), 2, "--lr: expected a number >= 0; received '-1'.");
  expect_one_error(train({"--mode", "fast"}), 2, "--mode: expected one of fit | generator | batch; received 'fast'.");
  expect_one_error(train({"--model", "resnet"}), 2,
                   "--model: expected one of minivggnet | shallownet | lenet | vgg_bn | resnet18 | resnet34 | resnet50 | resnet20 | resnet56 | mobilenet_v2; received 'resnet'.");
  expect_one_error(train({"--image-size", "0"}), 2, "--image-size: expected a size in pixels");
  expect_one_error(train({"--test-split", "1.5"}), 2, "--test-split: expected a number in [0, 1); received '1.5'.");
  expect_one_error(train({"--bn-momentum", "1"}), 2, "--bn-momentum: expected a number in [0, 1); received '1'.");
  expect_one_error(train({"--nesterov=maybe"}), 2, "--nesterov: expected true or false; received 'maybe'.");
  expect_one_error(train({"--epochs"}), 2, "petal train: option --epochs needs a value");
  expect_one_error(run_petal({"predict", "--model", "m.petal", "x.png", "--top", "0"}), 2,
                   "--top: expected an integer >= 1; received 0");
}

TEST_F(CliErrors, MissingRequiredOptions) {
  expect_one_error(run_petal({"train", "--out", out().string()}), 2, "--data: required");
  expect_one_error(run_petal({"train", "--data", data().string()}), 2, "--out: required");
  expect_one_error(run_petal({"evaluate", "--data", data().string()}), 2, "missing required option --model");
  expect_one_error(run_petal({"predict", "--model", "m.petal"}), 2, "petal predict: expected IMAGE files or --npy");
}

TEST_F(CliErrors, MissingDataPath) {
  const std::string missing = (tmp.path() / "nowhere").string();
  expect_one_error(train({"--data", missing}), 1, "'" + missing + "'): expected a dataset folder or CSV file; the path "
                                                  "does not exist.");
}

TEST_F(CliErrors, DataInNoKnownLayout) {
  fs::create_directories(tmp.path() / "empty");
  std::ofstream(tmp.path() / "empty" / "notes.txt") << "hi";
  expect_one_error(train({"--data", (tmp.path() / "empty").string()}), 1, "petal train: error: ");
}

TEST_F(CliErrors, AugmentWithModeFit) {
  expect_one_error(train({"--mode", "fit"}), 2, "--mode fit trains on the decoded arrays as they are and cannot augment");
  EXPECT_THAT(train({"--mode", "fit", "--augment", "tutorial"}).err, HasSubstr("Hint: use --mode generator"));
  EXPECT_EQ(train({"--mode", "fit", "--augment", "none"}).rc, 0);
}

TEST_F(CliErrors, MissingModelFile) {
  const std::string missing = (tmp.path() / "gone.petal").string();
  expect_one_error(run_petal({"evaluate", "--model", missing, "--data", data().string()}), 1,
                   "--model '" + missing + "': expected a model file such as RUN_DIR/model.petal; the path does not exist.");
  expect_one_error(run_petal({"predict", "--model", missing, "x.png"}), 1, "the path does not exist.");
  expect_one_error(run_petal({"summary", "--model", missing}), 1, "the path does not exist.");
}

TEST_F(CliErrors, CorruptModelFile) {
  const fs::path bad = tmp.path() / "bad.petal";
  std::ofstream(bad) << "not a model";
  const auto r = run_petal({"evaluate", "--model", bad.string(), "--data", data().string()});
  expect_one_error(r, 1, "petal evaluate: error: ");
  EXPECT_THAT(r.err, AllOf(HasSubstr(bad.string()), HasSubstr("not a zip archive")));
}

TEST_F(CliErrors, WrongNpyShape) {
  const fs::path model = trained_model(), x = tmp.path() / "x.npy";
  save_npy(x, NpyArray::from_tensor(Tensor({2, 16, 16, 3})));
  expect_one_error(
      run_petal({"predict", "--model", model.string(), "--npy", x.string(), "--out", (tmp.path() / "p.npy").string()}),
      1, "--npy '" + x.string() + "': expected images [N, 8, 8, 3] (NHWC, N >= 1) for this model; received [2, 16, 16, 3].");
  expect_one_error(run_petal({"predict", "--model", model.string(), "--npy", x.string()}), 2,
                   "petal predict: --npy needs --out P.npy");
}

TEST_F(CliErrors, UnreadableImage) {
  const fs::path model = trained_model(), fake = tmp.path() / "fake.png";
  std::ofstream(fake) << "plain text";
  expect_one_error(run_petal({"predict", "--model", model.string(), fake.string()}), 1, fake.string());
}

TEST_F(CliErrors, ExistingRunNeedsResumeOrOverwrite) {
  trained_model();
  expect_one_error(train({}), 1, "the folder already holds a run (config.json).\nHint: --resume");
  EXPECT_EQ(train({"--overwrite"}).rc, 0);
}

TEST_F(CliErrors, ResumeProblems) {
  expect_one_error(run_petal({"train", "--resume", data().string()}), 1,
                   "expected a run directory holding config.json and model_last.petal; config.json is missing.");
  trained_model();
  expect_one_error(run_petal({"train", "--resume", out().string()}), 1,
                   "--resume: the run already completed 1 epochs (--epochs 1).\nHint: pass --epochs N with N > 1");
}

TEST_F(CliErrors, BadConfigFile) {
  const fs::path cfg = tmp.path() / "c.json";
  std::ofstream(cfg) << "{\"epochs\": 2,";
  expect_one_error(train({"--config", cfg.string()}), 1, "--config '" + cfg.string() + "': expected a JSON object");
  std::ofstream(cfg) << R"({"epochz": 2})";
  expect_one_error(train({"--config", cfg.string()}), 2, "config '" + cfg.string() + "': epochz: unknown option");
  std::ofstream(cfg) << R"({"epochs": "many"})";
  expect_one_error(train({"--config", cfg.string()}), 2, "config '" + cfg.string() + "': epochs: expected an integer");
  expect_one_error(train({"--config", tmp.path().string()}), 1,
                   "--config '" + tmp.path().string() + "': is a directory; expected a JSON file of options");
}

TEST_F(CliErrors, SingleClassIsRefused) {
  const fs::path one = tmp.path() / "one";
  cli_testing::write_class_folders(one, {"only"}, 4, 8);
  expect_one_error(train({"--data", one.string()}), 1,
                   "): expected at least 2 classes to tell apart; received 1 ('only').");
}

TEST_F(CliErrors, CsvRowsOfTheWrongImageSize) {
  const fs::path csv = tmp.path() / "rows.csv";
  cli_testing::write_csv(csv, {"a", "b"}, 4, 8, 1);
  expect_one_error(train({"--data", csv.string(), "--image-size", "16"}), 1,
                   "expected 768 pixel values after the label (16x16x3); received 192.");
}

}  // namespace
}  // namespace petal
