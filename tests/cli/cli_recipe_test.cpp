// petal train's recipe options (issue 16): recorded in config.json, off unless
// given (their off values leave a run bit-identical), checked with clear
// errors; --ema resumes exactly; the report's Wilson interval; --seeds; --tta in
// evaluate and predict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_test_base.h"
#include "petal/io/npy.h"
#include "petal/io/npz.h"
#include "petal/model/sequential.h"
#include "petal/model/test_time_augmentation.h"
#include "petal/report/confidence_interval.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::read_text;
using cli_testing::run_petal;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

void expect_same_weights(const fs::path& a, const fs::path& b) {
  const auto wa = load_model(a).get_weights(), wb = load_model(b).get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_EQ(max_abs_diff(wa[i], wb[i]), 0.0f) << a << " weight " << i;
}

// 3 classes x 12 images of 16x16: 27 train + 9 test; batches of 9 line up with epochs.
class CliRecipe : public cli_testing::CliTest {
 protected:
  CliRecipe() : CliTest({{"blue", "green", "red"}, 12, 16, 3}) {}
  std::vector<std::string> args(const fs::path& to, std::vector<std::string> more = {}) const {
    more.insert(more.begin(), {"--batch-size", "9", "--epochs", "2"});
    return train_args(more, {}, to);
  }
};

TEST_F(CliRecipe, OffValuesChangeNothingAndEveryOptionIsRecorded) {
  // Off in the tutorial preset (the recipe turns some on: CliTrain.PresetsFollowTheModelUnlessGiven).
  const fs::path plain = tmp.path() / "plain", off = tmp.path() / "off", on = tmp.path() / "on";
  ASSERT_EQ(run_petal(args(plain, {"--preset", "tutorial"})).rc, 0);
  const auto r = run_petal(args(off, {"--preset", "tutorial", "--label-smoothing", "0", "--mixup", "0", "--cutmix", "0",
                                             "--random-resized-crop", "none", "--brightness-jitter", "0",
                                             "--contrast-jitter", "0", "--saturation-jitter", "0",
                                             "--random-erasing", "0", "--weight-decay", "0", "--ema", "0",
                                             "--warmup-epochs", "0", "--lr-floor", "0", "--tta=false"}));
  ASSERT_EQ(r.rc, 0) << r.err;
  expect_same_weights(plain / "model_last.petal", off / "model_last.petal");
  EXPECT_EQ(read_text(plain / "history.csv"), read_text(off / "history.csv"));
  EXPECT_FALSE(fs::exists(off / "ema_state.npz"));

  const auto r2 = run_petal(args(on, {"--label-smoothing", "0.1", "--mixup", "0.2", "--cutmix", "1",
                                              "--random-resized-crop", "0.3,1", "--brightness-jitter", "0.2",
                                              "--random-erasing", "0.25", "--optimizer", "adamw", "--lr", "0.002",
                                              "--weight-decay", "0.05", "--lr-schedule", "onecycle",
                                              "--lr-schedule-unit", "step", "--warmup-epochs", "1", "--ema", "0.9",
                                              "--tta"}));
  ASSERT_EQ(r2.rc, 0) << r2.err;
  const auto c = nlohmann::json::parse(read_text(on / "config.json"));
  EXPECT_EQ(c["label_smoothing"], 0.1);
  EXPECT_EQ(c["mixup"], 0.2);
  EXPECT_EQ(c["cutmix"], 1.0);
  EXPECT_EQ(c["random_resized_crop"], nlohmann::json::array({0.3, 1.0}));
  EXPECT_EQ(c["optimizer"], "adamw");
  EXPECT_EQ(c["weight_decay"], 0.05);
  EXPECT_EQ(c["lr_schedule"], "onecycle");
  EXPECT_EQ(c["lr_schedule_unit"], "step");
  EXPECT_EQ(c["warmup_epochs"], 1);
  EXPECT_EQ(c["ema"], 0.9);
  EXPECT_EQ(c["tta"], true);
  const auto defaults = nlohmann::json::parse(read_text(plain / "config.json"));
  EXPECT_EQ(defaults["label_smoothing"], 0.0);
  EXPECT_EQ(defaults["ema"], 0.0);
  EXPECT_EQ(defaults["tta"], false);
  EXPECT_TRUE(fs::exists(on / "ema_state.npz"));
  Model m = load_model(on / "model_last.petal");
  EXPECT_EQ(m.optimizer().name(), "AdamW");
  EXPECT_EQ(m.loss_spec().label_smoothing, 0.1);
  EXPECT_EQ(nlohmann::json::parse(read_text(on / "report.json"))["tta"], "horizontal flip");
}

// --ema only shadows the training: its averages are swapped in for validation,
// the saved models and the report, and copied back before the next step, so the
// training weights it keeps are the ones a run without it ends with (the
// README's ablation without the EMA evaluates them).
TEST_F(CliRecipe, TheAverageNeverChangesTheTraining) {
  const fs::path with = tmp.path() / "with", without = tmp.path() / "without";
  ASSERT_EQ(run_petal(args(with, {"--ema", "0.9"})).rc, 0);
  ASSERT_EQ(run_petal(args(without)).rc, 0);
  const NamedArrays state = load_npz(with / "ema_state.npz");
  const Model plain = load_model(without / "model_last.petal");
  const auto names = plain.weight_names();
  const auto weights = plain.get_weights();
  ASSERT_FALSE(names.empty());
  for (size_t i = 0; i < names.size(); ++i) {
    const Tensor training = find_array(state, "training/" + names[i], "ema_state.npz").to_tensor();
    EXPECT_EQ(max_abs_diff(training, weights[i]), 0.0f) << names[i];
  }
  // ... and the averages differ from them (the run did average).
  EXPECT_GT(max_abs_diff(load_model(with / "model_last.petal").get_weights()[0], weights[0]), 0.0f);
}

TEST_F(CliRecipe, ConflictsAreUsageErrorsNamingTheOption) {
  const fs::path out = tmp.path() / "bad";
  struct Case {
    std::vector<std::string> flags;
    const char* message;
  };
  const Case cases[] = {
      {{"--weight-decay", "0.1"}, "--weight-decay 0.1: decoupled weight decay needs --optimizer adamw or sgdw"},
      {{"--mixup", "0.2", "--mode", "fit", "--augment", "none"}, "--mixup/--cutmix mix the batches of a generator"},
      {{"--warmup-epochs", "2"}, "--warmup-epochs: expected fewer warm-up epochs than --epochs 2"},
      {{"--warmup-epochs", "1", "--lr-schedule", "none"}, "a warm-up is part of a schedule"},
      {{"--ema-num-updates", "--ema", "0"}, "--ema-num-updates: applies to the moving average"},
      {{"--label-smoothing", "1"}, "--label-smoothing: expected a number in [0, 1)"},
      {{"--random-resized-crop", "0,1"}, "--random-resized-crop: expected area fractions"},
      {{"--lr-floor", "0.1", "--lr-schedule", "onecycle"}, "--lr-floor 0.1 is the floor of the cosine schedule"},
      {{"--random-erasing", "0.5", "--mode", "fit", "--augment", "none"}, "cannot augment"},
      {{"--seeds", "1,2"}, "--seeds runs one training per seed; drop --seed"},
  };
  for (const Case& c : cases) {
    const auto r = run_petal(args(out, c.flags));
    EXPECT_EQ(r.rc, 2) << c.message;
    EXPECT_THAT(r.err, HasSubstr(c.message));
  }
  EXPECT_FALSE(fs::exists(out / "config.json"));
}

TEST_F(CliRecipe, EmaRunResumesAsAnUninterruptedOne) {
  const fs::path a = tmp.path() / "a", b = tmp.path() / "b";
  const std::vector<std::string> more = {"--lr-schedule", "none", "--ema", "0.8", "--ema-num-updates", "--mixup",
                                         "0.4", "--label-smoothing", "0.1", "--optimizer", "sgdw", "--weight-decay",
                                         "0.01", "--random-erasing", "0.5"};
  ASSERT_EQ(run_petal(args(a, more)).rc, 0);
  const auto r = run_petal({"train", "--resume", a.string(), "--epochs", "3", "--verbose", "0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto straight = args(b, more);
  straight.insert(straight.end(), {"--epochs", "3"});
  ASSERT_EQ(run_petal(straight).rc, 0);
  expect_same_weights(a / "model_last.petal", b / "model_last.petal");
  EXPECT_EQ(read_text(a / "history.csv"), read_text(b / "history.csv"));
  EXPECT_EQ(read_text(a / "report.txt"), read_text(b / "report.txt"));
}

TEST_F(CliRecipe, BatchModeMatchesGeneratorModeWithTheRecipeCallbacks) {
  const fs::path g = tmp.path() / "g", b = tmp.path() / "b";
  // Batches of 8: 3 steps per epoch of a 4-batch flow, so epochs do not line up with the flow's.
  const std::vector<std::string> more = {"--batch-size", "8", "--epochs", "3", "--ema", "0.7", "--mixup", "0.3",
                                         "--cutmix", "0.5", "--lr-schedule-unit", "step", "--warmup-epochs", "1"};
  auto ga = args(g, more), ba = args(b, more);
  ga.insert(ga.end(), {"--mode", "generator"});
  ba.insert(ba.end(), {"--mode", "batch"});
  ASSERT_EQ(run_petal(ga).rc, 0);
  const auto r = run_petal(ba);
  ASSERT_EQ(r.rc, 0) << r.err;
  expect_same_weights(g / "model_last.petal", b / "model_last.petal");
  EXPECT_EQ(read_text(g / "history.csv"), read_text(b / "history.csv"));
}

TEST_F(CliRecipe, ReportStatesTheWilsonInterval) {
  const fs::path run = tmp.path() / "run";
  ASSERT_EQ(run_petal(args(run, {"--epochs", "1"})).rc, 0);
  const auto j = nlohmann::json::parse(read_text(run / "report.json"));
  const double acc = j["accuracy"].get<double>();
  const auto correct = static_cast<int64_t>(std::lround(acc * 9));
  const Interval ci = wilson_interval(correct, 9);
  EXPECT_EQ(j["test_samples"], 9);
  EXPECT_NEAR(j["accuracy_ci95"][0].get<double>(), ci.low, 1e-12);
  EXPECT_NEAR(j["accuracy_ci95"][1].get<double>(), ci.high, 1e-12);
  char line[160];
  std::snprintf(line, sizeof line, "test accuracy %.4f (%lld of 9), 95%% confidence interval %.4f to %.4f (Wilson)",
                acc, static_cast<long long>(correct), ci.low, ci.high);
  EXPECT_THAT(read_text(run / "report.txt"), HasSubstr(line));
}

TEST_F(CliRecipe, SeedsRunOneFolderPerSeedAndSummariseThem) {
  const fs::path group = tmp.path() / "group", single = tmp.path() / "single";
  auto a = args(group, {"--epochs", "1", "--seeds", "3,7"});
  a.erase(std::find(a.begin(), a.end(), "--seed"), std::find(a.begin(), a.end(), "--seed") + 2);
  const auto r = run_petal(a);
  ASSERT_EQ(r.rc, 0) << r.err;
  ASSERT_EQ(run_petal(args(single, {"--epochs", "1"})).rc, 0);  // --seed 3 on its own
  expect_same_weights(group / "seed_3" / "model_last.petal", single / "model_last.petal");
  const auto s = nlohmann::json::parse(read_text(group / "seeds.json"));
  EXPECT_EQ(s["seeds"], nlohmann::json::array({3, 7}));
  std::vector<double> acc;
  for (const char* d : {"seed_3", "seed_7"}) {
    acc.push_back(nlohmann::json::parse(read_text(group / d / "report.json"))["accuracy"].get<double>());
    EXPECT_EQ(nlohmann::json::parse(read_text(group / d / "config.json"))["run"]["seeds"],
              nlohmann::json::array({3, 7}));
  }
  EXPECT_EQ(s["accuracy"], nlohmann::json(acc));
  EXPECT_NEAR(s["mean"].get<double>(), (acc[0] + acc[1]) / 2, 1e-12);
  EXPECT_NEAR(s["std"].get<double>(), spread(acc).stddev, 1e-12);
  EXPECT_THAT(read_text(group / "seeds.txt"), HasSubstr("standard deviation"));
  // The group is not overwritten by accident.
  const auto again = run_petal(a);
  EXPECT_EQ(again.rc, 1);
  EXPECT_THAT(again.err, HasSubstr("already holds a group of seeds"));
}

TEST_F(CliRecipe, EvaluateAndPredictTakeTta) {
  const fs::path run = tmp.path() / "run";
  ASSERT_EQ(run_petal(args(run, {"--epochs", "1"})).rc, 0);
  Rng rng(2);
  Tensor x({4, 16, 16, 3});
  for (float& v : x.values()) v = static_cast<float>(rng.below(256));
  save_npy(tmp.path() / "x.npy", NpyArray::from_tensor(x));
  const auto r = run_petal({"predict", "--model", (run / "model_last.petal").string(), "--npy",
                            (tmp.path() / "x.npy").string(), "--out", (tmp.path() / "p.npy").string(), "--tta"});
  ASSERT_EQ(r.rc, 0) << r.err;
  Model m = load_model(run / "model_last.petal");
  for (float& v : x.values()) v /= 255.0f;
  const Tensor want = m.predict(x, {.tta = true});
  EXPECT_LE(max_abs_diff(load_npy(tmp.path() / "p.npy").to_tensor(), want), 1e-6f);
  const auto e = run_petal({"evaluate", "--model", (run / "model_last.petal").string(), "--data", data().string(),
                            "--json", "--tta"});
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_TRUE(nlohmann::json::parse(e.out).contains("accuracy"));
}

TEST_F(CliRecipe, AugmentPreviewTakesTheNewAugmentations) {
  const fs::path image = data() / "red" / "img_10.png", plain = tmp.path() / "plain", extra = tmp.path() / "extra";
  ASSERT_EQ(run_petal({"augment", image.string(), "--out", plain.string(), "--count", "2", "--augment", "none"}).rc, 0);
  const auto r = run_petal({"augment", image.string(), "--out", extra.string(), "--count", "2", "--augment", "none",
                            "--random-resized-crop", "0.2,0.5", "--random-erasing", "1"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(read_text(plain / "image_0.png"), read_text(extra / "image_0.png"));
  const auto bad = run_petal({"augment", image.string(), "--out", extra.string(), "--random-erasing", "2"});
  EXPECT_EQ(bad.rc, 2);
  EXPECT_THAT(bad.err, HasSubstr("--random-erasing: expected a number in [0, 1]"));
}

}  // namespace
}  // namespace petal
