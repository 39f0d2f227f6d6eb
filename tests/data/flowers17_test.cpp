// Flowers-17: class names and labels, the archive layout (real data when present,
// synthetic otherwise), and detect_layout.
#include "petal/data/flowers17.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/image_fixtures.h"
#include "petal/core/error.h"
#include "petal/data/dataset_layout.h"

namespace petal {
namespace {

using image_testing::ImageTempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The real archive (find_flowers17); empty when absent.
std::string real_flowers17_dir() { return find_flowers17(PETAL_SOURCE_DIR).value_or(""); }

std::string name_of(const ImageList& list, int64_t i) {
  return list.class_names[static_cast<size_t>(list.labels[static_cast<size_t>(i)])];
}

TEST(Flowers17, ClassNamesInArchiveAndAlphabeticalOrder) {
  // The dataset README's order, with the tutorial's spelling 'lilyvalley'.
  EXPECT_THAT(flowers17_archive_class_names(),
              ElementsAre("daffodil", "snowdrop", "lilyvalley", "bluebell", "crocus", "iris", "tigerlily", "tulip",
                          "fritillary", "sunflower", "daisy", "coltsfoot", "dandelion", "cowslip", "buttercup",
                          "windflower", "pansy"));
  // The tutorial's LabelBinarizer / report order.
  EXPECT_THAT(flowers17_sorted_class_names(),
              ElementsAre("bluebell", "buttercup", "coltsfoot", "cowslip", "crocus", "daffodil", "daisy",
                          "dandelion", "fritillary", "iris", "lilyvalley", "pansy", "snowdrop", "sunflower",
                          "tigerlily", "tulip", "windflower"));
  EXPECT_EQ(flowers17_archive_label(1), 0);
  EXPECT_EQ(flowers17_archive_label(80), 0);
  EXPECT_EQ(flowers17_archive_label(81), 1);
  EXPECT_EQ(flowers17_archive_label(1360), 16);
  EXPECT_THROW(flowers17_archive_label(1361), ConfigError);
  EXPECT_EQ(flowers17_sorted_label(0), 5);   // daffodil
  EXPECT_EQ(flowers17_sorted_label(16), 11);  // pansy
  EXPECT_EQ(flowers17_image_number("image_0042.jpg"), 42);
  EXPECT_FALSE(flowers17_image_number("image_42.jpg"));
  EXPECT_FALSE(flowers17_image_number("image_00a2.jpg"));
}

// A synthetic archive: tiny JPEGs image_0001, 0081, 0161, 1360 under jpg/.
void make_synthetic(const ImageTempDir& dir, bool with_files_txt) {
  std::string list;
  std::filesystem::create_directories(dir / "jpg");
  for (const char* name : {"image_0001.jpg", "image_0081.jpg", "image_0161.jpg", "image_1360.jpg"}) {
    write_image(dir / (std::string("jpg/") + name), image_testing::solid_rgb(8, 10, 10, 200, 30));
    list += std::string(name) + "\n";
  }
  if (with_files_txt) image_testing::write_bytes(dir / "jpg/files.txt", std::vector<uint8_t>(list.begin(), list.end()));
}

TEST(Flowers17, SyntheticLayoutIsDetectedAndLabelled) {
  for (bool with_files_txt : {false, true}) {
    ImageTempDir dir;
    make_synthetic(dir, with_files_txt);
    EXPECT_EQ(detect_layout(dir.str()), DatasetLayout::Flowers17);
    EXPECT_EQ(detect_layout(dir / "jpg"), DatasetLayout::Flowers17);
    const ImageList sorted = list_flowers17(dir.str());
    ASSERT_EQ(sorted.size(), 4);
    EXPECT_EQ(name_of(sorted, 0), "daffodil");
    EXPECT_EQ(name_of(sorted, 1), "snowdrop");
    EXPECT_EQ(name_of(sorted, 2), "lilyvalley");
    EXPECT_EQ(name_of(sorted, 3), "pansy");
    EXPECT_THAT(sorted.labels, ElementsAre(5, 12, 10, 11));
    const ImageList archive = list_flowers17(dir / "jpg", {.order = ClassOrder::Archive});
    EXPECT_THAT(archive.labels, ElementsAre(0, 1, 2, 16));
    EXPECT_EQ(archive.paths, sorted.paths);
    EXPECT_THROW(list_flowers17(dir.str(), {.require_all = true}), DataError);
  }
}

TEST(Flowers17, FilesTxtNamingAMissingFileIsAnError) {
  ImageTempDir dir;
  make_synthetic(dir, false);
  const std::string list = "image_0001.jpg\nimage_0002.jpg\n";
  image_testing::write_bytes(dir / "jpg/files.txt", std::vector<uint8_t>(list.begin(), list.end()));
  try {
    list_flowers17(dir.str());
    ADD_FAILURE() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("files.txt"), HasSubstr("line 2"), HasSubstr("image_0002.jpg")));
  }
  const std::string bad = "image_0001.jpg\nphoto.png\n";
  image_testing::write_bytes(dir / "jpg/files.txt", std::vector<uint8_t>(bad.begin(), bad.end()));
  EXPECT_THROW(list_flowers17(dir.str()), DataError);
  EXPECT_THROW(list_flowers17(dir / "missing"), DataError);
}

TEST(DatasetLayout, DetectsFoldersCsvAndUnknown) {
  ImageTempDir dir;
  image_testing::write_bytes(dir / "folder/cat/a.png", {});
  image_testing::write_bytes(dir / "csvs/flowers17_training.csv", {'a', ',', '1'});
  image_testing::write_bytes(dir / "other/readme.md", {'x'});
  EXPECT_EQ(detect_layout(dir / "folder"), DatasetLayout::ImageFolder);
  EXPECT_EQ(detect_layout(dir / "csvs"), DatasetLayout::CsvPixels);
  EXPECT_EQ(detect_layout(dir / "csvs/flowers17_training.csv"), DatasetLayout::CsvPixels);
  EXPECT_EQ(detect_layout(dir / "other"), DatasetLayout::Unknown);
  try {
    require_layout(dir / "other");
    ADD_FAILURE() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("other"), HasSubstr("jpg/image_NNNN.jpg"), HasSubstr("<class>/"),
                                HasSubstr(".csv")));
  }
  EXPECT_THROW(detect_layout(dir / "nowhere"), DataError);
  EXPECT_EQ(to_string(DatasetLayout::CsvPixels), "CsvPixels");
}

TEST(Flowers17Real, SampleDecodesAndIsLabelledAsTheReadme) {
  const std::string root = real_flowers17_dir();
  if (root.empty()) GTEST_SKIP() << "Flowers-17 not found (set PETAL_FLOWERS17_DIR or provide shared/data/flowers17)";
  EXPECT_EQ(detect_layout(root), DatasetLayout::Flowers17);
  const ImageList list = list_flowers17(root, {.require_all = true});
  ASSERT_EQ(list.size(), kFlowers17NumImages);
  EXPECT_EQ(std::filesystem::path(list.paths[0]).filename(), "image_0001.jpg");
  EXPECT_EQ(name_of(list, 0), "daffodil");
  EXPECT_EQ(name_of(list, 80), "snowdrop");
  EXPECT_EQ(name_of(list, 1359), "pansy");
  EXPECT_THAT(list.class_counts(), ::testing::Each(80));
  for (int64_t i = 0; i < list.size(); i += 40) {
    DecodeInfo info;
    const Image img = decode_image(list.paths[static_cast<size_t>(i)], {.target_size = ImageSize{64, 64}}, &info);
    ASSERT_EQ(img.shape(), (Shape{64, 64, 3})) << list.paths[static_cast<size_t>(i)];
    // Shorter side 500: 1/4 gives >= 125 px, 1/8 only 63 < 64.
    EXPECT_EQ(info.reduction, 4) << list.paths[static_cast<size_t>(i)];
  }
}

TEST(Flowers17Real, ReducedDecodeMatchesFullDecodeAt64) {
  const std::string root = real_flowers17_dir();
  if (root.empty()) GTEST_SKIP() << "Flowers-17 not found (set PETAL_FLOWERS17_DIR or provide shared/data/flowers17)";
  for (int number : {1, 700, 1360}) {
    char name[32];
    std::snprintf(name, sizeof name, "/jpg/image_%04d.jpg", number);
    const std::string path = root + name;
    const DecodeOptions reduced{.target_size = ImageSize{64, 64}, .interpolation = Interpolation::Area};
    DecodeOptions full = reduced;
    full.reduced_decode = false;
    const Image a = decode_image(path, reduced), b = decode_image(path, full);
    double diff = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) diff += std::abs(int{a.pixels[i]} - int{b.pixels[i]});
    EXPECT_LT(diff / static_cast<double>(a.pixels.size()), 3.0) << path;
  }
}

}  // namespace
}  // namespace petal
