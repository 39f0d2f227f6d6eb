// CSV of pixels: writer -> reader round trip, channel order, the tutorial's train
// (wrap-around) and eval (partial last batch) modes, and bad-row errors.
#include "petal/data/csv_images.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "data/image_fixtures.h"
#include "petal/core/error.h"

namespace petal {
namespace {

using image_testing::ImageTempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string read_text(const std::string& path) {
  const auto bytes = image_testing::read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

void write_text(const std::string& path, const std::string& text) {
  image_testing::write_bytes(path, std::vector<uint8_t>(text.begin(), text.end()));
}

// A CSV of 1x2x1 images (2 values per row); row r is "class<r%2>,r,r+100".
std::string tiny_csv(int rows) {
  std::string text;
  for (int r = 0; r < rows; ++r) {
    text += "class" + std::to_string(r % 2) + "," + std::to_string(r) + "," + std::to_string(r + 100) + "\n";
  }
  return text;
}

CsvReaderOptions tiny_options(int64_t batch, CsvMode mode) {
  return {.batch_size = batch, .image_size = {1, 2}, .channels = 1, .mode = mode};
}

// First pixel value of each row of a batch (= the row number in tiny_csv).
std::vector<int> rows_of(const Batch& b) {
  std::vector<int> out;
  for (int64_t i = 0; i < b.x[0].dim(0); ++i) out.push_back(static_cast<int>(b.x[0].at({i, 0, 0, 0})));
  return out;
}

template <typename F>
std::string data_error_of(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

TEST(CsvImageReader, TrainModeWrapsAtEndOfFileMidBatch) {
  ImageTempDir dir;
  write_text(dir / "t.csv", tiny_csv(5));
  CsvImageReader reader(dir / "t.csv", tiny_options(3, CsvMode::Train));
  EXPECT_THAT(reader.class_names(), ElementsAre("class0", "class1"));
  EXPECT_THAT(rows_of(reader.next()), ElementsAre(0, 1, 2));
  const Batch b = reader.next();
  EXPECT_THAT(rows_of(b), ElementsAre(3, 4, 0));
  EXPECT_THAT(rows_of(reader.next()), ElementsAre(1, 2, 3));
  // y is one-hot over the classes: rows 3, 4, 0 -> class1, class0, class0.
  EXPECT_EQ(b.y[0].shape(), (Shape{3, 2}));
  EXPECT_THAT(std::vector<float>(b.y[0].values().begin(), b.y[0].values().end()), ElementsAre(0, 1, 1, 0, 1, 0));
  EXPECT_EQ(b.x[0].shape(), (Shape{3, 1, 2, 1}));
  EXPECT_EQ(b.x[0].at({0, 0, 1, 0}), 103.0f);
}

TEST(CsvImageReader, EvalModeEndsWithAPartialBatchThenStartsOver) {
  ImageTempDir dir;
  write_text(dir / "e.csv", tiny_csv(5));
  CsvImageReader reader(dir / "e.csv", tiny_options(3, CsvMode::Eval));
  EXPECT_THAT(rows_of(reader.next()), ElementsAre(0, 1, 2));
  EXPECT_FALSE(reader.end_of_pass());
  EXPECT_THAT(rows_of(reader.next()), ElementsAre(3, 4));
  EXPECT_TRUE(reader.end_of_pass());
  EXPECT_THAT(rows_of(reader.next()), ElementsAre(0, 1, 2));
  EXPECT_EQ(reader.num_rows(), 5);
}

TEST(CsvImageReader, EvalModeAtAnExactMultipleFlagsTheLastFullBatch) {
  ImageTempDir dir;
  write_text(dir / "e.csv", tiny_csv(6) + "\n\n");  // trailing blank lines are ignored
  CsvImageReader reader(dir / "e.csv", tiny_options(3, CsvMode::Eval));
  reader.next();
  EXPECT_FALSE(reader.end_of_pass());
  EXPECT_THAT(rows_of(reader.next()), ElementsAre(3, 4, 5));
  EXPECT_TRUE(reader.end_of_pass());
  const Batch all = reader.read_all();
  EXPECT_THAT(rows_of(all), ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_THAT(rows_of(reader.next()), ElementsAre(0, 1, 2));  // read_all did not move next()
}

TEST(CsvImageReader, IntegerLabelsAndExplicitClassNames) {
  ImageTempDir dir;
  write_text(dir / "i.csv", "2,1,2\n0,3,4\n");
  EXPECT_THAT(csv_class_names(dir / "i.csv"), ElementsAre("0", "1", "2"));
  CsvImageReader reader(dir / "i.csv", tiny_options(2, CsvMode::Eval));
  const Batch b = reader.next();
  EXPECT_EQ(b.y[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(b.y[0].at({0, 2}), 1.0f);
  // Names from the training file; a test file may miss some classes.
  write_text(dir / "n.csv", "daisy,1,2\n");
  CsvReaderOptions o = tiny_options(1, CsvMode::Eval);
  o.class_names = {"bluebell", "daisy", "tulip"};
  EXPECT_EQ(CsvImageReader(dir / "n.csv", o).next().y[0].at({0, 1}), 1.0f);
}

// Found by fuzz_csv: one large integer label made that many classes (1505080
// took 15 s and 1 GB; 999999999999999999 would never end).
TEST(CsvImageReader, AnIntegerLabelCannotMakeMillionsOfClasses) {
  ImageTempDir dir;
  write_text(dir / "big.csv", "1505080,1,2\n0,3,4\n");
  try {
    csv_class_names(dir / "big.csv");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("big.csv"), HasSubstr("received label 1505080"),
                                HasSubstr("at most 100000 from 2 distinct labels")));
  }
  write_text(dir / "ok.csv", "99999,1,2\n");
  EXPECT_EQ(csv_class_names(dir / "ok.csv").size(), 100000u);
}

TEST(CsvImageReader, BadRowsNameTheFileAndLine) {
  ImageTempDir dir;
  const auto error_for = [&](const std::string& text) {
    write_text(dir / "bad.csv", text);
    CsvReaderOptions o = tiny_options(4, CsvMode::Eval);
    o.class_names = {"a", "b"};
    return data_error_of([&] { CsvImageReader(dir / "bad.csv", o).next(); });
  };
  EXPECT_THAT(error_for("a,1,2\na,1,2\na,1\n"),
              AllOf(HasSubstr("bad.csv"), HasSubstr("line 3"), HasSubstr("expected 2 pixel values"),
                    HasSubstr("received 1")));
  EXPECT_THAT(error_for("a,1,2,3\n"), AllOf(HasSubstr("line 1"), HasSubstr("received 3")));
  EXPECT_THAT(error_for("a,1,2\nb,1,x7\n"),
              AllOf(HasSubstr("line 2, value 2"), HasSubstr("expected an integer 0..255"), HasSubstr("'x7'")));
  EXPECT_THAT(error_for("a,256,2\n"), AllOf(HasSubstr("line 1, value 1"), HasSubstr("'256'")));
  EXPECT_THAT(error_for("a,-1,2\n"), HasSubstr("'-1'"));
  EXPECT_THAT(error_for("zebra,1,2\n"), AllOf(HasSubstr("line 1"), HasSubstr("'zebra'"), HasSubstr("Hint:")));
  EXPECT_THAT(error_for("a 1 2\n"), HasSubstr("no comma"));
  EXPECT_THAT(error_for("a,1.0,2\n"), "(no DataError)");  // "1.0" is an integer value
}

TEST(CsvImageReader, MissingOrEmptyFileIsAnError) {
  ImageTempDir dir;
  EXPECT_THAT(data_error_of([&] { CsvImageReader(dir / "none.csv"); }), HasSubstr("none.csv"));
  write_text(dir / "empty.csv", "\n");
  EXPECT_THAT(data_error_of([&] { CsvImageReader(dir / "empty.csv"); }), HasSubstr("none"));
}

// Six 4x4 PNGs in two classes; image i is solid (10 i, 100 + i, 200 - i).
ImageList small_image_list(const ImageTempDir& dir) {
  ImageList list;
  list.class_names = {"red", "blue"};
  for (int i = 0; i < 6; ++i) {
    list.paths.push_back(dir / ("img" + std::to_string(i) + ".png"));
    list.labels.push_back(i % 2);
    write_image(list.paths.back(), image_testing::solid_rgb(4, 4, static_cast<uint8_t>(10 * i),
                                                            static_cast<uint8_t>(100 + i),
                                                            static_cast<uint8_t>(200 - i)));
  }
  return list;
}

TEST(WriteCsvDataset, RoundTripsThroughTheReader) {
  ImageTempDir dir;
  const ImageList list = small_image_list(dir);
  const CsvWriteReport report = write_csv_dataset(
      list, {.train_path = dir / "train.csv", .test_path = dir / "test.csv", .test_fraction = 1.0 / 3,
             .seed = 3, .decode = {.target_size = ImageSize{4, 4}}, .threads = 2});
  EXPECT_EQ(report.train_rows, 4);
  EXPECT_EQ(report.test_rows, 2);
  EXPECT_TRUE(report.skipped.empty());
  CsvReaderOptions o{.batch_size = 4, .image_size = {4, 4}, .channels = 3, .class_names = list.class_names,
                     .mode = CsvMode::Eval};
  const Batch train = CsvImageReader(dir / "train.csv", o).read_all();
  const Batch test = CsvImageReader(dir / "test.csv", o).read_all();
  ASSERT_EQ(train.x[0].shape(), (Shape{4, 4, 4, 3}));
  ASSERT_EQ(test.x[0].shape(), (Shape{2, 4, 4, 3}));
  // Every image appears once, with its own colour and label.
  std::vector<int> seen;
  for (const Batch* b : {&train, &test}) {
    for (int64_t r = 0; r < b->x[0].dim(0); ++r) {
      const int i = static_cast<int>(b->x[0].at({r, 2, 3, 0})) / 10;
      seen.push_back(i);
      EXPECT_EQ(b->x[0].at({r, 0, 0, 1}), 100.0f + i);
      EXPECT_EQ(b->x[0].at({r, 3, 3, 2}), 200.0f - i);
      EXPECT_EQ(b->y[0].at({r, i % 2}), 1.0f);
    }
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_THAT(seen, ElementsAre(0, 1, 2, 3, 4, 5));
  // Rows start with the class name; values are RGB by default.
  const std::string first = read_text(dir / "train.csv").substr(0, 12);
  EXPECT_TRUE(first.rfind("red,", 0) == 0 || first.rfind("blue,", 0) == 0) << first;
}

TEST(WriteCsvDataset, BgrOrderAndIntegerLabels) {
  ImageTempDir dir;
  ImageList list;
  list.class_names = {"only"};
  list.paths = {dir / "r.png"};
  list.labels = {0};
  write_image(list.paths[0], image_testing::solid_rgb(2, 2, 255, 0, 10));
  write_csv_dataset(list, {.train_path = dir / "bgr.csv", .test_fraction = 0, .decode = {.target_size = ImageSize{2, 2}},
                           .channel_order = ChannelOrder::Bgr, .integer_labels = true});
  EXPECT_EQ(read_text(dir / "bgr.csv").substr(0, 12), "0,10,0,255,1");
  CsvReaderOptions o{.batch_size = 1, .image_size = {2, 2}, .channels = 3, .class_names = {"only"},
                     .file_order = ChannelOrder::Bgr};
  const Batch b = CsvImageReader(dir / "bgr.csv", o).next();
  EXPECT_EQ(b.x[0].at({0, 1, 1, 0}), 255.0f);  // back to RGB
  EXPECT_EQ(b.x[0].at({0, 1, 1, 2}), 10.0f);
}

TEST(WriteCsvDataset, SplitIsSeededAndStratifiedOnRequest) {
  ImageTempDir dir;
  const ImageList list = small_image_list(dir);
  const auto run = [&](uint64_t seed, bool stratified) {
    write_csv_dataset(list, {.train_path = dir / "a.csv", .test_path = dir / "b.csv", .test_fraction = 1.0 / 3,
                             .seed = seed, .stratified = stratified, .decode = {.target_size = ImageSize{1, 1}}});
    return read_text(dir / "b.csv");
  };
  EXPECT_EQ(run(11, false), run(11, false));
  const std::string strat = run(11, true);
  EXPECT_EQ(std::count(strat.begin(), strat.end(), '\n'), 2);
  EXPECT_EQ(strat.find("red,") != std::string::npos, true);   // one test row per class
  EXPECT_EQ(strat.find("blue,") != std::string::npos, true);
}

TEST(WriteCsvDataset, SkipsBadFilesWhenAskedAndNeedsATargetSize) {
  ImageTempDir dir;
  ImageList list = small_image_list(dir);
  list.paths[2] = dir / "missing.png";
  EXPECT_THROW(write_csv_dataset(list, {.train_path = dir / "a.csv", .test_fraction = 0}), DataError);
  int reported = 0;
  const CsvWriteReport r = write_csv_dataset(list, {.train_path = dir / "a.csv", .test_fraction = 0,
                                                    .on_error = OnError::Skip,
                                                    .on_skip = [&](const SkippedFile&) { ++reported; }});
  EXPECT_EQ(r.train_rows, 5);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].path, dir / "missing.png");
  EXPECT_EQ(reported, 1);
  CsvWriteOptions no_size{.train_path = dir / "a.csv", .test_fraction = 0};
  no_size.decode.target_size.reset();
  EXPECT_THROW(write_csv_dataset(list, no_size), ConfigError);
  EXPECT_THROW(write_csv_dataset(list, {.train_path = dir / "no/such/dir/a.csv", .test_fraction = 0}), IoError);
}

}  // namespace
}  // namespace petal
