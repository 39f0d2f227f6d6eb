// petal train on tiny generated data: the run directory's files, the report
// checked against an independent computation, resume, and the three modes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/cli_test_base.h"
#include "petal/data/image_folder.h"
#include "petal/data/split.h"
#include "petal/layers/batch_normalization.h"
#include "petal/model/sequential.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::run_petal;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::vector<std::string> kClasses = {"blue", "green", "red"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream in(cli_testing::read_text(path));
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

// 3 classes x 12 images of 16x16: 27 train + 9 test with --test-split 0.25.
class CliTrain : public cli_testing::CliTest {
 protected:
  CliTrain() : CliTest({kClasses, 12, 16, 3}) {}
  std::vector<std::string> tiny(const fs::path& to) const { return train_args({"--batch-size", "9"}, {}, to); }
};

TEST_F(CliTrain, ShortRunLeavesEveryFile) {
  const fs::path run = tmp.path() / "run";
  const auto r = run_petal(with(tiny(run), {"--epochs", "2"}));
  ASSERT_EQ(r.rc, 0) << r.err;
  for (const char* f : {"model.petal", "model_last.petal", "history.csv", "plot.png", "report.txt", "report.json",
                        "confusion.png", "config.json", "train.log"}) {
    EXPECT_TRUE(fs::is_regular_file(run / f)) << f;
  }
  using Size = std::pair<int64_t, int64_t>;
  EXPECT_EQ(cli_testing::png_size(run / "plot.png"), Size(800, 600));
  EXPECT_EQ(cli_testing::png_size(run / "confusion.png"), Size(800, 800));
  const auto rows = read_csv(run / "history.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"}));
  EXPECT_EQ(rows[1][0], "0");
  EXPECT_EQ(rows[2][0], "1");
  const auto config = nlohmann::json::parse(cli_testing::read_text(run / "config.json"));
  EXPECT_EQ(config["model"], "shallownet");
  EXPECT_EQ(config["seed"], 3);
  EXPECT_EQ(config["epochs"], 2);
  EXPECT_EQ(config["run"]["class_names"], kClasses);
  EXPECT_EQ(config["run"]["test_samples"], 9);
  const std::string log = cli_testing::read_text(run / "train.log");
  EXPECT_THAT(log, HasSubstr("epoch 2/2"));
  EXPECT_THAT(log, HasSubstr("test report"));
  EXPECT_EQ(load_model(run / "model_last.petal").epochs_completed(), 2);
}

// Parses the per-class rows of an sklearn text report: name -> {p, r, f1, support}.
std::map<std::string, std::vector<double>> parse_report(const std::string& text) {
  std::map<std::string, std::vector<double>> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::stringstream ls(line);
    std::string name;
    double p, r, f;
    int64_t s;
    if (ls >> name >> p >> r >> f >> s) out[name] = {p, r, f, static_cast<double>(s)};
  }
  return out;
}

TEST_F(CliTrain, ReportMatchesAnIndependentComputation) {
  const fs::path run = tmp.path() / "run";
  // One epoch at a small learning rate, so that the report is not all ones.
  const auto r = run_petal(with(tiny(run),
                                {"--epochs", "1", "--mode", "fit", "--augment", "none", "--lr", "0.0005"}));
  ASSERT_EQ(r.rc, 0) << r.err;
  // The test split by hand: the listing, the tutorial's seeded shuffle, the decoded pixels / 255.
  const ImageList all = list_image_folder(data().string());
  const SplitIndices split = shuffled_split(all.size(), 0.25, 3);
  Model model = load_model(run / "model_last.petal");
  std::vector<int64_t> tp(3), predicted(3), support(3);
  for (int64_t i : split.test) {
    Tensor x = to_tensor(decode_image(all.paths[static_cast<size_t>(i)])).reshaped({1, 16, 16, 3});
    for (float& v : x.values()) v /= 255.0f;
    const Tensor p = model.predict(x);
    const int64_t guess = std::max_element(p.data(), p.data() + 3) - p.data();
    const int64_t truth = all.labels[static_cast<size_t>(i)];
    ++predicted[static_cast<size_t>(guess)];
    ++support[static_cast<size_t>(truth)];
    if (guess == truth) ++tp[static_cast<size_t>(truth)];
  }
  const auto report = parse_report(cli_testing::read_text(run / "report.txt"));
  int64_t correct = 0;
  for (size_t c = 0; c < 3; ++c) {
    const double p = predicted[c] ? static_cast<double>(tp[c]) / static_cast<double>(predicted[c]) : 0.0;
    const double rc = support[c] ? static_cast<double>(tp[c]) / static_cast<double>(support[c]) : 0.0;
    const double f1 = p + rc > 0 ? 2 * p * rc / (p + rc) : 0.0;
    ASSERT_TRUE(report.count(kClasses[c])) << kClasses[c];
    const auto& row = report.at(kClasses[c]);
    EXPECT_NEAR(row[0], p, 0.0051) << kClasses[c];
    EXPECT_NEAR(row[1], rc, 0.0051) << kClasses[c];
    EXPECT_NEAR(row[2], f1, 0.0051) << kClasses[c];
    EXPECT_EQ(row[3], static_cast<double>(support[c])) << kClasses[c];
    correct += tp[c];
  }
  const auto json = nlohmann::json::parse(cli_testing::read_text(run / "report.json"));
  EXPECT_NEAR(json["accuracy"].get<double>(), static_cast<double>(correct) / 9.0, 1e-12);
}

TEST_F(CliTrain, ResumeContinuesFromTheLastEpochAsAnUninterruptedRun) {
  const fs::path a = tmp.path() / "a", b = tmp.path() / "b";
  // No cosine schedule: it depends on --epochs, which the resumed run raises.
  ASSERT_EQ(run_petal(with(tiny(a), {"--epochs", "2", "--lr-schedule", "none"})).rc, 0);
  const auto before = read_csv(a / "history.csv");
  const auto r = run_petal({"train", "--resume", a.string(), "--epochs", "3", "--verbose", "0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto after = read_csv(a / "history.csv");
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[1], before[1]);
  EXPECT_EQ(after[2], before[2]);
  EXPECT_EQ(after[3][0], "2");
  EXPECT_THAT(cli_testing::read_text(a / "train.log"), HasSubstr("resuming shallownet"));
  Model resumed = load_model(a / "model_last.petal");
  EXPECT_EQ(resumed.epochs_completed(), 3);
  // 27 training images in batches of 9: epochs line up with the flow's, so the
  // resumed run sees the batches an uninterrupted one does.
  ASSERT_EQ(run_petal(with(tiny(b), {"--epochs", "3", "--lr-schedule", "none"})).rc, 0);
  Model straight = load_model(b / "model_last.petal");
  const auto wa = resumed.get_weights(), wb = straight.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_EQ(max_abs_diff(wa[i], wb[i]), 0.0f) << i;
}

TEST_F(CliTrain, BatchModeGivesTheWeightsOfGeneratorMode) {
  const fs::path g = tmp.path() / "g", b = tmp.path() / "b";
  // 27 training images in batches of 8: 3 steps per epoch of a 4-batch flow.
  const std::vector<std::string> more = {"--epochs", "3", "--batch-size", "8", "--workers", "2"};
  ASSERT_EQ(run_petal(with(with(tiny(g), more), {"--mode", "generator"})).rc, 0);
  const auto r = run_petal(with(with(tiny(b), more), {"--mode", "batch"}));
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto wg = load_model(g / "model_last.petal").get_weights(), wb = load_model(b / "model_last.petal").get_weights();
  ASSERT_EQ(wg.size(), wb.size());
  for (size_t i = 0; i < wg.size(); ++i) EXPECT_EQ(max_abs_diff(wg[i], wb[i]), 0.0f) << i;
  EXPECT_EQ(read_csv(g / "history.csv"), read_csv(b / "history.csv"));
}

TEST_F(CliTrain, FitModeIsReproducibleForASeed) {
  const fs::path a = tmp.path() / "a", b = tmp.path() / "b";
  for (const auto& out : {a, b}) {
    const auto r = run_petal(with(tiny(out), {"--epochs", "2", "--mode", "fit", "--augment", "none"}));
    ASSERT_EQ(r.rc, 0) << r.err;
  }
  EXPECT_EQ(read_csv(a / "history.csv"), read_csv(b / "history.csv"));
}

TEST_F(CliTrain, ConfigFileSetsOptionsAndFlagsOverrideIt) {
  const fs::path cfg = tmp.path() / "cfg.json", run = tmp.path() / "run";
  std::ofstream(cfg) << R"({"model": "lenet", "image_size": 16, "epochs": 5, "batch_size": 9, "augment": "none",
                           "mode": "fit", "seed": 4, "verbose": 0, "optimizer": "adam", "lr": 0.001})";
  const auto r = run_petal({"train", "--config", cfg.string(), "--data", data().string(), "--out", run.string(),
                            "--epochs", "1", "--threads", "1"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto config = nlohmann::json::parse(cli_testing::read_text(run / "config.json"));
  EXPECT_EQ(config["model"], "lenet");
  EXPECT_EQ(config["optimizer"], "adam");
  EXPECT_EQ(config["epochs"], 1);  // the flag wins
  EXPECT_EQ(read_csv(run / "history.csv").size(), 2u);
  // The run's config.json reproduces it.
  const fs::path again = tmp.path() / "again";
  ASSERT_EQ(run_petal({"train", "--config", (run / "config.json").string(), "--out", again.string()}).rc, 0);
  EXPECT_EQ(read_csv(run / "history.csv"), read_csv(again / "history.csv"));
}

TEST_F(CliTrain, ValidationSplitValidatesOnTheTrainingSplit) {
  const fs::path run = tmp.path() / "run";
  const auto r = run_petal(with(tiny(run), {"--epochs", "1", "--validation-split", "0.25"}));
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto config = nlohmann::json::parse(cli_testing::read_text(run / "config.json"));
  EXPECT_EQ(config["run"]["validation_samples"], 7);  // 27 - int(27 * 0.75)
  EXPECT_EQ(config["run"]["train_samples"], 20);
  EXPECT_EQ(config["run"]["test_samples"], 9);
}

TEST_F(CliTrain, PresetsFollowTheModelUnlessGiven) {
  const auto config_of = [&](const std::string& name, const std::vector<std::string>& more) {
    std::vector<std::string> a = {"train", "--data", data().string(), "--out", (tmp.path() / name).string(),
                                  "--epochs", "1", "--image-size", "16", "--verbose", "0", "--threads", "1"};
    a.insert(a.end(), more.begin(), more.end());
    const auto r = run_petal(a);
    EXPECT_EQ(r.rc, 0) << r.err;
    return nlohmann::json::parse(cli_testing::read_text(tmp.path() / name / "config.json"));
  };
  // Only --data and --out (plus size and length): petal's recipe.
  const auto recipe = config_of("recipe", {});
  EXPECT_EQ(recipe["preset"], "recipe");
  EXPECT_EQ(recipe["model"], "vgg_bn");
  EXPECT_DOUBLE_EQ(recipe["rescale"].get<double>(), 1.0 / 255.0);
  EXPECT_EQ(recipe["lr_schedule"], "cosine");
  // The recipe's ingredients (README: "Accuracy on Flowers-17"), off in the tutorial.
  EXPECT_EQ(recipe["label_smoothing"], 0.1);
  EXPECT_EQ(recipe["cutmix"], 0.0);
  EXPECT_EQ(recipe["mixup"], 0.0);
  EXPECT_EQ(recipe["ema"], 0.0);  // no gain on Flowers-17 (README ablation)
  EXPECT_EQ(recipe["tta"], true);
  EXPECT_EQ(recipe["lr_schedule_unit"], "step");
  EXPECT_EQ(recipe["warmup_epochs"], "auto");  // 5 epochs, at most a tenth of the run
  // The tutorial's network brings the tutorial's settings: raw pixels, its SGD, its augmentation.
  const auto tutorial = config_of("tutorial", {"--model", "minivggnet"});
  EXPECT_EQ(tutorial["preset"], "tutorial");
  EXPECT_EQ(tutorial["rescale"], 0.0);
  EXPECT_EQ(tutorial["mode"], "generator");
  EXPECT_DOUBLE_EQ(tutorial["lr"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(tutorial["decay"].get<double>(), 0.01 / 75);
  EXPECT_DOUBLE_EQ(tutorial["shear_range"].get<double>(), 0.15);
  for (const char* off : {"label_smoothing", "cutmix", "mixup", "ema", "warmup_epochs"}) {
    EXPECT_EQ(tutorial[off], 0) << off;
  }
  EXPECT_EQ(tutorial["tta"], false);
  EXPECT_EQ(tutorial["zoom_range"], nlohmann::json::array({0.85, 1.15}));
  // --preset and single augmentation options adjust that.
  const auto mixed = config_of("mixed", {"--model", "minivggnet", "--preset", "recipe", "--augment", "tutorial",
                                         "--rotation-range", "5", "--horizontal-flip=false"});
  EXPECT_EQ(mixed["preset"], "recipe");
  EXPECT_DOUBLE_EQ(mixed["rotation_range"].get<double>(), 5.0);
  EXPECT_EQ(mixed["horizontal_flip"], false);
  EXPECT_DOUBLE_EQ(mixed["width_shift_range"].get<double>(), 0.2);
}

TEST_F(CliTrain, BnMomentumReachesEveryBatchNormalizationLayer) {
  const fs::path run = tmp.path() / "run";
  const auto r = run_petal(with(tiny(run),
                                {"--epochs", "1", "--model", "minivggnet", "--bn-momentum", "0.9"}));
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto config = nlohmann::json::parse(cli_testing::read_text(run / "config.json"));
  EXPECT_DOUBLE_EQ(config["bn_momentum"].get<double>(), 0.9);
  int batch_norms = 0;
  const Model model = load_model(run / "model_last.petal");
  for (const Layer* layer : model.layers()) {
    if (const auto* bn = dynamic_cast<const BatchNormalization*>(layer)) {
      EXPECT_FLOAT_EQ(bn->options().momentum, 0.9f) << bn->name();
      ++batch_norms;
    }
  }
  EXPECT_EQ(batch_norms, 5);  // MiniVGGNet: four after the convolutions, one after the first Dense
}

TEST_F(CliTrain, EarlyStoppingAndCheckpoints) {
  const fs::path run = tmp.path() / "run";
  // lr 0: the weights never change, so val_loss never improves after epoch 1.
  const auto r = run_petal(with(tiny(run),
                                {"--epochs", "5", "--lr", "0", "--early-stopping", "1", "--checkpoint-every", "1",
                                 "--reduce-lr-on-plateau", "--plateau-patience", "1"}));
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(read_csv(run / "history.csv").size(), 3u);  // header + epochs 1 and 2
  EXPECT_TRUE(fs::is_regular_file(run / "checkpoints" / "epoch_001.petal"));
  EXPECT_TRUE(fs::is_regular_file(run / "checkpoints" / "epoch_002.petal"));
  EXPECT_FALSE(fs::exists(run / "checkpoints" / "epoch_003.petal"));
  EXPECT_EQ(load_model(run / "checkpoints" / "epoch_001.petal").epochs_completed(), 1);
}

TEST(CliTrainLayouts, Flowers17ArchiveLayout) {
  testing::TempDir tmp;
  cli_testing::write_flowers17(tmp.path() / "flowers17", 2, 16);
  const fs::path run = tmp.path() / "run";
  const auto r = run_petal({"train", "--data", (tmp.path() / "flowers17").string(), "--out", run.string(), "--model",
                            "shallownet", "--image-size", "16", "--epochs", "1", "--seed", "1", "--verbose", "0",
                            "--threads", "1", "--split", "stratified", "--test-split", "0.5"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto config = nlohmann::json::parse(cli_testing::read_text(run / "config.json"));
  EXPECT_EQ(config["run"]["layout"], "Flowers17");
  ASSERT_EQ(config["run"]["class_names"].size(), 17u);
  EXPECT_EQ(config["run"]["class_names"][0], "bluebell");
  EXPECT_EQ(config["run"]["test_samples"], 17);
  const auto rows = parse_report(cli_testing::read_text(run / "report.txt"));
  for (const auto& name : config["run"]["class_names"]) {
    ASSERT_TRUE(rows.count(name.get<std::string>())) << name;
    EXPECT_EQ(rows.at(name.get<std::string>())[3], 1.0) << name;  // stratified: one test image per class
  }
}

TEST(CliTrainLayouts, TutorialCsvPairStreamsTrainingRows) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path() / "csv", run = tmp.path() / "run";
  fs::create_directories(dir);
  cli_testing::write_csv(dir / "flowers17_training.csv", kClasses, 8, 8, 1);
  cli_testing::write_csv(dir / "flowers17_testing.csv", kClasses, 3, 8, 2);
  for (const char* mode : {"generator", "fit"}) {
    const auto r = run_petal({"train", "--data", dir.string(), "--out", (run / mode).string(), "--model",
                              "shallownet", "--image-size", "8", "--epochs", "2", "--batch-size", "5", "--seed", "1",
                              "--verbose", "0", "--mode", mode, "--augment", std::string(mode) == "fit" ? "none" : "tutorial"});
    ASSERT_EQ(r.rc, 0) << mode << ": " << r.err;
    const auto config = nlohmann::json::parse(cli_testing::read_text(run / mode / "config.json"));
    EXPECT_EQ(config["run"]["test_samples"], 9) << mode;
    EXPECT_EQ(config["run"]["train_samples"], 24) << mode;
    EXPECT_THAT(config["run"]["data"].get<std::string>(),
                HasSubstr(std::string(mode) == "fit" ? "CSV pair" : "streamed")) << mode;
  }
  EXPECT_EQ(nlohmann::json::parse(cli_testing::read_text(run / "generator" / "config.json"))["run"]["steps_per_epoch"],
            4);  // 24 // 5, as the tutorial's steps_per_epoch
}

}  // namespace
}  // namespace petal
