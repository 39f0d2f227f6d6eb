// The zoo from the command line: petal summary prints Keras's totals for
// ResNet50 and MobileNetV2, and petal train trains the functional zoo models.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_fixtures.h"
#include "petal/model/model.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::run_petal;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(CliZoo, SummaryPrintsKerasTotals) {
  const auto r50 = run_petal({"summary", "--model", "resnet50", "--input-shape", "224,224,3", "--classes", "1000"});
  ASSERT_EQ(r50.rc, 0) << r50.err;
  EXPECT_THAT(r50.out, HasSubstr("Total params: 25,636,712\nTrainable params: 25,583,592\nNon-trainable params: 53,120"));
  EXPECT_THAT(r50.out, HasSubstr("conv2_block1_1_conv (Conv2D)"));
  const auto mb = run_petal({"summary", "--model", "mobilenet_v2", "--input-shape", "224,224,3", "--classes", "1000"});
  ASSERT_EQ(mb.rc, 0) << mb.err;
  EXPECT_THAT(mb.out, HasSubstr("Total params: 3,538,984\nTrainable params: 3,504,872\nNon-trainable params: 34,112"));
  const auto half = run_petal({"summary", "--model", "mobilenet_v2", "--input-shape", "96,96,3", "--alpha", "0.5"});
  ASSERT_EQ(half.rc, 0) << half.err;
  EXPECT_THAT(half.out, HasSubstr("Total params: 728,001"));
  const auto bad = run_petal({"summary", "--model", "mobilenet_v2", "--alpha", "0"});
  EXPECT_NE(bad.rc, 0);
  EXPECT_THAT(bad.err, HasSubstr("--alpha"));
}

// Two epochs on 3 classes x 12 images of 16x16: the run completes, writes its
// files, and records the model (and, for mobilenet_v2, its width multiplier).
TEST(CliZoo, TrainsResNet18AndMobileNetV2) {
  testing::TempDir tmp;
  cli_testing::write_class_folders(tmp.path() / "data", {"blue", "green", "red"}, 12, 16);
  for (const std::string model : {"resnet18", "mobilenet_v2"}) {
    const fs::path run = tmp.path() / model;
    const auto r = run_petal({"train", "--data", (tmp.path() / "data").string(), "--out", run.string(), "--model",
                              model, "--image-size", "16", "--batch-size", "9", "--epochs", "2", "--alpha", "0.35",
                              "--seed", "3", "--verbose", "0", "--threads", "1"});
    ASSERT_EQ(r.rc, 0) << model << ": " << r.err;
    const auto config = nlohmann::json::parse(cli_testing::read_text(run / "config.json"));
    EXPECT_EQ(config["model"], model);
    EXPECT_DOUBLE_EQ(config["alpha"].get<double>(), 0.35);
    Model trained = load_model(run / "model_last.petal");
    EXPECT_EQ(trained.epochs_completed(), 2);
    EXPECT_EQ(trained.output_shape(), (Shape{3}));
    EXPECT_EQ(trained.input_shape(), (Shape{16, 16, 3}));
    EXPECT_TRUE(fs::is_regular_file(run / "report.txt")) << model;
    if (model == "mobilenet_v2") {
      EXPECT_EQ(trained.layer("Conv1").output_shape(), (Shape{8, 8, 16}));  // _make_divisible(32 * 0.35) = 16
      EXPECT_EQ(trained.layer("block_16_project").output_shape(), (Shape{1, 1, 112}));  // int(320 * 0.35) = 111 -> 112
    } else {
      EXPECT_EQ(trained.layer("conv5_block2_out").output_shape(), (Shape{2, 2, 512}));  // small-input stem
    }
  }
}

}  // namespace
}  // namespace petal
