// history.csv: CSVLogger's layout, exact round trip, NA for missing values,
// atomic writes and errors that name the file and line.
#include "petal/report/history_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "petal/core/error.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using HistoryMap = std::map<std::string, std::vector<double>>;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// The tutorial's first three epochs (keras-reference §1.5) plus a learning rate.
HistoryMap tutorial_history() {
  return {{"loss", {3.6791, 3.0351, 2.8571}},
          {"accuracy", {0.1401, 0.2077, 0.2621}},
          {"val_loss", {1828.6441, 246.5172, 92.0763}},
          {"val_accuracy", {0.0625, 0.0938, 0.075}},
          {"lr", {0.01, 0.01 / (1 + 1e-2 / 75 * 31), 0.01 / (1 + 1e-2 / 75 * 62)}}};
}

TEST(HistoryCsv, WritesGivenColumnOrderAndRoundTripsExactly) {
  testing::TempDir dir;
  const auto path = dir.path() / "history.csv";
  const HistoryMap h = tutorial_history();
  write_history_csv(path, h, {"loss", "accuracy", "val_loss", "val_accuracy", "lr"});
  const std::string text = slurp(path);
  EXPECT_THAT(text, ::testing::StartsWith("epoch,loss,accuracy,val_loss,val_accuracy,lr\n"
                                          "0,3.6791,0.1401,1828.6441,0.0625,0.01\n"
                                          "1,3.0351,0.2077,246.5172,0.0938,"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_EQ(read_history_csv(path), h);  // bit-exact: shortest round-trip decimals
}

TEST(HistoryCsv, DefaultColumnsAreSortedAsCsvLogger) {
  testing::TempDir dir;
  const auto path = dir.path() / "h.csv";
  write_history_csv(path, {{"val_loss", {2.0}}, {"loss", {1.0}}, {"acc", {0.5}}});
  EXPECT_EQ(slurp(path), "epoch,acc,loss,val_loss\n0,0.5,1.0,2.0\n");
}

TEST(HistoryCsv, ShortSeriesAndAbsentKeysAreWrittenNAAndReadBack) {
  testing::TempDir dir;
  const auto path = dir.path() / "h.csv";
  const double nan = std::nan("");
  // val_loss stopped early; loss has a genuine NaN (written "nan", kept on reading).
  write_history_csv(path, {{"loss", {1.5, nan, 0.5}}, {"val_loss", {2.5}}},
                    {"loss", "val_loss", "lr"});
  EXPECT_EQ(slurp(path),
            "epoch,loss,val_loss,lr\n0,1.5,2.5,NA\n1,nan,NA,NA\n2,0.5,NA,NA\n");
  const HistoryMap back = read_history_csv(path);
  ASSERT_EQ(back.size(), 3u);
  ASSERT_EQ(back.at("loss").size(), 3u);
  EXPECT_TRUE(std::isnan(back.at("loss")[1]));
  EXPECT_EQ(back.at("val_loss"), std::vector<double>{2.5});
  EXPECT_TRUE(back.at("lr").empty());
}

TEST(HistoryCsv, ReadsCsvLoggerFilesWithInteriorNAAndCrlf) {
  testing::TempDir dir;
  const auto path = dir.path() / "keras.csv";
  put(path, "epoch,acc,loss,val_acc,val_loss\r\n"
            "0,0.14,3.67,NA,inf\r\n"
            "1,0.2,3.03,0.09,\r\n"
            "2,0.26,2.85,0.07,92.07\r\n");
  const HistoryMap h = read_history_csv(path);
  EXPECT_EQ(h.at("acc"), (std::vector<double>{0.14, 0.2, 0.26}));
  ASSERT_EQ(h.at("val_acc").size(), 3u);
  EXPECT_TRUE(std::isnan(h.at("val_acc")[0]));
  EXPECT_EQ(h.at("val_loss")[0], INFINITY);
  EXPECT_TRUE(std::isnan(h.at("val_loss")[1]));
  EXPECT_EQ(h.at("val_loss")[2], 92.07);
}

TEST(HistoryCsv, OverwritesAtomicallyLeavingNoTemporaryFiles) {
  testing::TempDir dir;
  const auto path = dir.path() / "history.csv";
  write_history_csv(path, {{"loss", {1.0, 2.0}}});
  write_history_csv(path, {{"loss", {3.0}}});
  EXPECT_EQ(read_history_csv(path).at("loss"), std::vector<double>{3.0});
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(HistoryCsv, ErrorsNameTheFileAndWhatWasReceived) {
  testing::TempDir dir;
  EXPECT_THAT([&] { write_history_csv(dir.path() / "h.csv", {}); },
              ThrowsMessage<ConfigError>(HasSubstr("empty history")));
  EXPECT_THAT([&] { write_history_csv(dir.path() / "h.csv", {{"a,b", {1.0}}}); },
              ThrowsMessage<ConfigError>(HasSubstr("received 'a,b'")));
  EXPECT_THAT([&] { write_history_csv(dir.path() / "h.csv", {{"a", {1.0}}}, {"a", "a"}); },
              ThrowsMessage<ConfigError>(HasSubstr("received 'a' twice")));
  const auto unwritable = dir.path() / "missing_dir" / "h.csv";
  EXPECT_THAT([&] { write_history_csv(unwritable, {{"loss", {1.0}}}); },
              ThrowsMessage<IoError>(HasSubstr(unwritable.string())));
  EXPECT_THAT([&] { read_history_csv(dir.path() / "nope.csv"); },
              ThrowsMessage<IoError>(HasSubstr("nope.csv")));
  const auto bad = dir.path() / "bad.csv";
  put(bad, "epoch,loss\n0,1.0\n1,abc\n");
  EXPECT_THAT([&] { read_history_csv(bad); },
              ThrowsMessage<DataError>(HasSubstr("line 3, column 'loss'")));
  put(bad, "epoch,loss\n0,1.0,2.0\n");
  EXPECT_THAT([&] { read_history_csv(bad); },
              ThrowsMessage<DataError>(HasSubstr("expected 2 cells; received 3")));
  put(bad, "epoch;loss\n0;1.0\n");
  EXPECT_THAT([&] { read_history_csv(bad); },
              ThrowsMessage<DataError>(HasSubstr("Hint: is the separator ','?")));
  EXPECT_EQ(read_history_csv(bad, ';').at("loss"), std::vector<double>{1.0});
}

}  // namespace
}  // namespace petal
