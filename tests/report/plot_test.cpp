// The figures are real PNGs of the requested size, show every requested series in
// its colour, keep the curves readable despite huge early losses, and fail clearly.
#include "petal/report/plot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <set>

#include "petal/core/error.h"
#include "report/png_pixels.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using HistoryMap = std::map<std::string, std::vector<double>>;

constexpr uint32_t kRed = 0xE24A33, kBlue = 0x348ABD, kPurple = 0x988ED5;  // ggplot cycle

// Shaped like the tutorial's run (keras-reference §1.5): 75 epochs, loss 3.68 -> ~0.4,
// val_loss 1828, 246, 92 in the first epochs, then about 1.2.
HistoryMap tutorial_like() {
  HistoryMap h;
  for (int e = 0; e < 75; ++e) {
    const double t = e / 74.0;
    h["loss"].push_back(0.36 + 3.3 * std::exp(-4 * t) + 0.03 * std::sin(e * 1.7));
    h["accuracy"].push_back(0.88 - 0.74 * std::exp(-3.5 * t));
    h["val_loss"].push_back(e == 0 ? 1828.6441 : e == 1 ? 246.5172 : e == 2 ? 92.0763
                                                                              : 1.2 + std::exp(-6 * t));
    h["val_accuracy"].push_back(0.70 - 0.64 * std::exp(-4 * t) + 0.04 * std::sin(e * 2.9));
  }
  return h;
}

// Width and height from the IHDR chunk, read from the raw bytes.
std::pair<uint32_t, uint32_t> png_size(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), {});
  const unsigned char signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  EXPECT_GE(b.size(), 24u);
  if (b.size() < 24) return {0, 0};
  EXPECT_TRUE(std::equal(std::begin(signature), std::end(signature), b.begin())) << p;
  EXPECT_EQ(std::string(b.begin() + 12, b.begin() + 16), "IHDR");
  auto be32 = [&](size_t i) { return uint32_t(b[i]) << 24 | b[i + 1] << 16 | b[i + 2] << 8 | b[i + 3]; };
  return {be32(16), be32(20)};
}

bool near(uint32_t a, uint32_t b, int tol) {
  for (int shift : {0, 8, 16})
    if (std::abs(int((a >> shift) & 0xFF) - int((b >> shift) & 0xFF)) > tol) return false;
  return true;
}

struct ColourStats {
  int count = 0, top = 1 << 30, bottom = -1;  // rows where the colour appears
};

// Pixels of `colour` (within anti-aliasing tolerance) in columns [x0, x1).
ColourStats find_colour(const detail::Pixels& px, uint32_t colour, int x0 = 0, int x1 = 1 << 30) {
  ColourStats s;
  for (int y = 0; y < px.height; ++y)
    for (int x = std::max(0, x0); x < std::min(px.width, x1); ++x)
      if (near(px.at(x, y), colour, 6)) ++s.count, s.top = std::min(s.top, y), s.bottom = y;
  return s;
}

size_t distinct_colours(const detail::Pixels& px) {
  return std::set<uint32_t>(px.rgb.begin(), px.rgb.end()).size();
}

TEST(PlotTrainingHistory, WritesAPngOfTheRequestedSizeWithEveryCurve) {
  testing::TempDir dir;
  PlotOptions o;
  o.path = dir.path() / "plot.png";
  plot_training_history(tutorial_like(), o);
  EXPECT_EQ(png_size(o.path), std::make_pair(800u, 600u));
  const auto px = detail::read_png_pixels(o.path);
  ASSERT_EQ(px.width, 800);
  ASSERT_EQ(px.height, 600);
  EXPECT_GT(distinct_colours(px), 100u);  // curves, text, grid: far from blank
  for (uint32_t colour : {kRed, kBlue, kPurple})
    EXPECT_GT(find_colour(px, colour).count, 200) << std::hex << colour;

  o.width = 640, o.height = 480, o.path = dir.path() / "small.png";
  plot_training_history(tutorial_like(), o);
  EXPECT_EQ(png_size(o.path), std::make_pair(640u, 480u));
}

TEST(PlotTrainingHistory, ClipYKeepsTheCurvesReadableDespiteHugeEarlyValues) {
  testing::TempDir dir;
  PlotOptions o;
  o.series = {"loss", "val_loss"};
  o.path = dir.path() / "clipped.png";
  plot_training_history(tutorial_like(), o);
  // Columns of the first ~20 epochs (the legend sits top right, away from them).
  const auto clipped = find_colour(detail::read_png_pixels(o.path), kRed, 80, 300);
  o.clip_y = false;
  o.path = dir.path() / "autoscaled.png";
  plot_training_history(tutorial_like(), o);
  const auto autoscaled = find_colour(detail::read_png_pixels(o.path), kRed, 80, 300);
  // Over those epochs the loss falls from 3.7 to 1.3: most of the panel height
  // when clipped, a few pixels of a 0..1900 axis when not.
  EXPECT_GT(clipped.bottom - clipped.top, 200);
  EXPECT_LT(autoscaled.bottom - autoscaled.top, 15);
}

TEST(PlotTrainingHistory, SkipsNaNAndInfDrawsALoneEpochAndOnlyExistingSeries) {
  testing::TempDir dir;
  const double nan = std::nan("");
  PlotOptions o;
  o.path = dir.path() / "odd.png";
  // Keras 2.2 names (acc), a NaN and an inf inside loss, an all-NaN val_loss.
  const HistoryMap odd = {{"loss", {3.0, nan, 2.0, INFINITY, 1.0}},
                       {"val_loss", {nan, nan, nan, nan, nan}},
                       {"acc", {0.1, 0.2, 0.3, 0.4, 0.5}}};
  plot_training_history(odd, o);
  auto px = detail::read_png_pixels(o.path);
  EXPECT_GT(find_colour(px, kRed).count, 20);     // loss: lone dots
  EXPECT_GT(find_colour(px, kPurple).count, 100);  // acc drawn as "accuracy"

  o.path = dir.path() / "one.png";
  plot_training_history({{"loss", {2.0}}}, o);
  px = detail::read_png_pixels(o.path);
  EXPECT_GT(find_colour(px, kRed).count, 20);
  EXPECT_EQ(find_colour(px, kBlue).count, 0);  // no val_loss in the history: not drawn
}

TEST(PlotTrainingHistory, ReplacesTheFileAtomically) {
  testing::TempDir dir;
  PlotOptions o;
  o.path = dir.path() / "plot.png";
  std::ofstream(o.path) << "old";
  plot_training_history(tutorial_like(), o);
  EXPECT_EQ(png_size(o.path).first, 800u);
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(PlotTrainingHistory, ErrorsSayWhatWasExpected) {
  testing::TempDir dir;
  PlotOptions o;
  o.path = dir.path() / "p.png";
  EXPECT_THAT([&] { plot_training_history({}, o); },
              ThrowsMessage<ConfigError>(HasSubstr("received an empty one")));
  EXPECT_THAT([&] { plot_training_history({{"mae", {1.0}}}, o); },
              ThrowsMessage<ConfigError>(HasSubstr("received [mae]")));
  o.path = dir.path() / "no_such_dir" / "p.png";
  EXPECT_THAT([&] { plot_training_history(tutorial_like(), o); },
              ThrowsMessage<IoError>(HasSubstr(o.path.string())));
  o.path = dir.path() / "p.png";
  o.width = 10;
  EXPECT_THAT([&] { plot_training_history(tutorial_like(), o); },
              ThrowsMessage<ConfigError>(HasSubstr("received 10x600")));
  o.path.clear();
  EXPECT_THAT([&] { plot_training_history(tutorial_like(), o); },
              ThrowsMessage<ConfigError>(HasSubstr("PlotOptions::path")));
}

TEST(PlotConfusionMatrix, HeatMapWithCountsOfTheRequestedSize) {
  testing::TempDir dir;
  const auto path = dir.path() / "cm.png";
  plot_confusion_matrix({{50, 2, 0}, {3, 40, 7}, {0, 9, 41}}, {"cat", "dog", "horse"}, path,
                        {.width = 500, .height = 400});
  EXPECT_EQ(png_size(path), std::make_pair(500u, 400u));
  const auto px = detail::read_png_pixels(path);
  EXPECT_GT(distinct_colours(px), 50u);
  EXPECT_GT(find_colour(px, 0x08306B).count, 1000);  // the largest count's cell, darkest blue
  EXPECT_GT(find_colour(px, 0xF7FBFF).count, 1000);  // zero cells, lightest
}

TEST(PlotConfusionMatrix, RejectsMismatchedInputs) {
  testing::TempDir dir;
  const auto path = dir.path() / "cm.png";
  EXPECT_THAT([&] { plot_confusion_matrix({{1, 2}, {3, 4}}, {"a", "b", "c"}, path); },
              ThrowsMessage<ShapeError>(HasSubstr("expected 3 rows")));
  EXPECT_THAT([&] { plot_confusion_matrix({{1, 2}, {3}}, {"a", "b"}, path); },
              ThrowsMessage<ShapeError>(HasSubstr("columns in row 1; received 1")));
  EXPECT_THAT([&] { plot_confusion_matrix({{1, -2}, {3, 4}}, {"a", "b"}, path); },
              ThrowsMessage<DataError>(HasSubstr("received -2")));
  EXPECT_THAT([&] { plot_confusion_matrix({{1}}, {"a"}, dir.path() / "x" / "cm.png"); },
              ThrowsMessage<IoError>(HasSubstr("cm.png")));
}

}  // namespace
}  // namespace petal
