// The recipe's data-driven choices: image size from the images' headers (or a
// CSV's rows), epochs from the number of training steps; and through the CLI,
// what it chose is logged and recorded in config.json.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "app/recipe_auto.h"
#include "cli/cli_test_base.h"
#include "petal/core/error.h"
#include "petal/data/image_io.h"

namespace petal {
namespace {

using cli_testing::run_petal;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// Two classes of images of the given (height, width) sizes, PNG and JPEG.
void write_sized(const fs::path& dir, const std::vector<std::pair<int64_t, int64_t>>& sizes) {
  for (size_t i = 0; i < sizes.size(); ++i) {
    const fs::path folder = dir / (i % 2 ? "b" : "a");
    fs::create_directories(folder);
    const Image img{sizes[i].first, sizes[i].second, 3,
                    std::vector<uint8_t>(static_cast<size_t>(sizes[i].first * sizes[i].second * 3), 90)};
    write_image((folder / ("img_" + std::to_string(i) + (i % 3 ? ".png" : ".jpg"))).string(), img);
  }
}

TEST(RecipeAuto, ImageSideIsTheMedianShorterSideWithinTheRecipesRange) {
  testing::TempDir tmp;
  write_sized(tmp.path() / "mid", {{40, 60}, {64, 48}, {80, 80}, {300, 50}, {57, 200}});  // shorter: 40 48 80 50 57
  EXPECT_EQ(detail::auto_image_side((tmp.path() / "mid").string()).value, 48);               // median 50, to 8s
  write_sized(tmp.path() / "big", {{500, 700}, {600, 480}, {320, 900}});
  EXPECT_EQ(detail::auto_image_side((tmp.path() / "big").string()).value, detail::kRecipeMaxSide);
  write_sized(tmp.path() / "small", {{12, 12}, {16, 20}, {9, 30}});
  EXPECT_EQ(detail::auto_image_side((tmp.path() / "small").string()).value, detail::kRecipeMinSide);
}

TEST(RecipeAuto, CsvRowsGiveTheirOwnSizeOrAClearError) {
  testing::TempDir tmp;
  cli_testing::write_csv(tmp.path() / "pixels.csv", {"a", "b"}, 3, 10, 1);
  EXPECT_EQ(detail::auto_image_side((tmp.path() / "pixels.csv").string()).value, 10);
  std::ofstream(tmp.path() / "odd.csv") << "a,1,2,3,4,5\n";
  try {
    detail::auto_image_side((tmp.path() / "odd.csv").string());
    ADD_FAILURE() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("holds 5 pixel values; expected a square RGB image"));
  }
}

TEST(RecipeAuto, EpochsFollowTheStepBudget) {
  EXPECT_EQ(detail::auto_epochs(31).value, 129);   // Flowers-17: 1020 images, 31 full batches of 32
  EXPECT_EQ(detail::auto_epochs(100).value, 40);   // 4000 / 100
  EXPECT_EQ(detail::auto_epochs(90).value, 44);    // 4000 / 90 = 44.4, rounded
  EXPECT_EQ(detail::auto_epochs(1000).value, 30);  // large sets: at least 30 epochs
  EXPECT_EQ(detail::auto_epochs(1).value, 150);    // tiny sets: at most 150
  EXPECT_THAT(detail::auto_epochs(31).why, HasSubstr("4000 steps of 31 per epoch"));
}

TEST(RecipeAuto, WarmupIsFiveEpochsAtMostATenthOfTheRun) {
  EXPECT_EQ(detail::auto_warmup_epochs(129, "cosine").value, 5);
  EXPECT_EQ(detail::auto_warmup_epochs(50, "onecycle").value, 5);
  EXPECT_EQ(detail::auto_warmup_epochs(30, "cosine").value, 3);
  EXPECT_EQ(detail::auto_warmup_epochs(9, "cosine").value, 0);
  EXPECT_EQ(detail::auto_warmup_epochs(129, "none").value, 0);  // a warm-up is part of a schedule
  EXPECT_THAT(detail::auto_warmup_epochs(30, "cosine").why, HasSubstr("at most a tenth of 30"));
}

class RecipeAutoCli : public cli_testing::CliTest {
 protected:
  RecipeAutoCli() : CliTest({{"a", "b"}, 6, 40, 2}) {}
};

TEST_F(RecipeAutoCli, TheChoiceIsLoggedAndRecorded) {
  const auto r = run_petal({"train", "--data", data().string(), "--out", out().string(), "--model", "shallownet",
                            "--epochs", "1", "--verbose", "0", "--threads", "1", "--seed", "2"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(cli_testing::read_text(out() / "train.log"),
              HasSubstr("--image-size auto: 40 (median shorter side 40 px of 12 images, within 32..96)"));
  const auto config = nlohmann::json::parse(cli_testing::read_text(out() / "config.json"));
  EXPECT_EQ(config["image_size"], 40);
  EXPECT_EQ(config["epochs"], 1);
  // The recipe's warm-up follows the run's length: none in a 1-epoch run, where 5 would be refused.
  EXPECT_THAT(cli_testing::read_text(out() / "train.log"), HasSubstr("--warmup-epochs auto: 0"));
  EXPECT_EQ(config["warmup_epochs"], "auto");  // chosen again by a resume to other --epochs
  EXPECT_EQ(load_model(out() / "model_last.petal").input_shape(), (Shape{40, 40, 3}));
}

}  // namespace
}  // namespace petal
