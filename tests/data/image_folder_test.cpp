// list_image_folder: Keras flow_from_directory's class order, file order, extensions,
// validation split, and the errors for empty or missing folders.
#include "petal/data/image_folder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "data/image_fixtures.h"
#include "petal/core/error.h"

namespace petal {
namespace {

using image_testing::ImageTempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Listing never decodes, so empty placeholder files are enough.
void touch(const std::string& path) { image_testing::write_bytes(path, {}); }

std::vector<std::string> names(const ImageList& list, const std::string& root) {
  std::vector<std::string> out;
  for (const auto& p : list.paths) out.push_back(std::filesystem::relative(p, root).string());
  return out;
}

TEST(ImageFolder, ClassesSortedFilesSortedNonImagesIgnored) {
  ImageTempDir dir;
  for (const char* f : {"tulip/b.jpg", "tulip/a.JPG", "tulip/notes.txt", "Daisy/z.png", "Daisy/y.webp",
                        "bluebell/1.tif", "bluebell/10.jpeg", "bluebell/2.bmp", "bluebell/x.ppm", "bluebell/y.gif"}) {
    touch(dir / f);
  }
  touch(dir / "stray.jpg");  // top-level files belong to no class
  const ImageList list = list_image_folder(dir.str());
  // Byte order: upper case sorts before lower case, as Python's sorted().
  EXPECT_THAT(list.class_names, ElementsAre("Daisy", "bluebell", "tulip"));
  EXPECT_THAT(names(list, dir.str()), ElementsAre("Daisy/y.webp", "Daisy/z.png", "bluebell/1.tif",
                                                  "bluebell/10.jpeg", "bluebell/2.bmp", "bluebell/x.ppm",
                                                  "tulip/a.JPG", "tulip/b.jpg"));
  EXPECT_THAT(list.labels, ElementsAre(0, 0, 1, 1, 1, 1, 2, 2));
  EXPECT_EQ(list.class_indices().at("tulip"), 2);
  EXPECT_THAT(list.class_counts(), ElementsAre(2, 4, 2));
}

TEST(ImageFolder, NestedFoldersFollowSortedWalkOrder) {
  ImageTempDir dir;
  for (const char* f : {"cat/sub/a.png", "cat/b.png", "cat/sub/deeper/c.png", "cat/a.png"}) touch(dir / f);
  const ImageList list = list_image_folder(dir.str());
  EXPECT_THAT(names(list, dir.str()), ElementsAre("cat/a.png", "cat/b.png", "cat/sub/a.png", "cat/sub/deeper/c.png"));
}

TEST(ImageFolder, ExplicitClassesKeepTheGivenOrder) {
  ImageTempDir dir;
  for (const char* f : {"a/1.png", "b/1.png", "c/1.png"}) touch(dir / f);
  const ImageList list = list_image_folder(dir.str(), {.classes = {"c", "a"}});
  EXPECT_THAT(list.class_names, ElementsAre("c", "a"));
  EXPECT_THAT(names(list, dir.str()), ElementsAre("c/1.png", "a/1.png"));
  EXPECT_THAT(list.labels, ElementsAre(0, 1));
  try {
    list_image_folder(dir.str(), {.classes = {"a", "zebra"}});
    ADD_FAILURE() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("'zebra'"), HasSubstr(dir.str())));
  }
}

TEST(ImageFolder, ValidationSplitTakesTheFirstFractionOfEachClass) {
  ImageTempDir dir;
  for (int i = 0; i < 5; ++i) touch(dir / ("a/" + std::to_string(i) + ".png"));
  for (int i = 0; i < 10; ++i) touch(dir / ("b/" + std::to_string(i) + ".png"));
  // int(0.4 * 5) = 2 and int(0.4 * 10) = 4 validation files, the first in sorted order.
  const ImageList val = list_image_folder(dir.str(), {.validation_split = 0.4, .subset = FolderSubset::Validation});
  EXPECT_THAT(names(val, dir.str()), ElementsAre("a/0.png", "a/1.png", "b/0.png", "b/1.png", "b/2.png", "b/3.png"));
  const ImageList train = list_image_folder(dir.str(), {.validation_split = 0.4, .subset = FolderSubset::Training});
  EXPECT_EQ(train.size(), 3 + 6);
  EXPECT_EQ(names(train, dir.str()).front(), "a/2.png");
  EXPECT_THAT(train.class_counts(), ElementsAre(3, 6));
  EXPECT_EQ(list_image_folder(dir.str(), {.validation_split = 0.4}).size(), 15);
  EXPECT_THROW(list_image_folder(dir.str(), {.subset = FolderSubset::Validation}), ConfigError);
  EXPECT_THROW(list_image_folder(dir.str(), {.validation_split = 1.0, .subset = FolderSubset::Training}), ConfigError);
}

TEST(ImageFolder, EmptyClassFolderIsAnErrorNamingIt) {
  ImageTempDir dir;
  touch(dir / "a/1.png");
  touch(dir / "empty/readme.txt");
  try {
    list_image_folder(dir.str());
    ADD_FAILURE() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("'empty'"), HasSubstr("no image files"), HasSubstr("allow_empty_classes")));
  }
  const ImageList list = list_image_folder(dir.str(), {.allow_empty_classes = true});
  EXPECT_THAT(list.class_names, ElementsAre("a", "empty"));
  EXPECT_THAT(list.class_counts(), ElementsAre(1, 0));
}

TEST(ImageFolder, HiddenFoldersAreSkippedUnlessAsked) {
  ImageTempDir dir;
  touch(dir / "a/1.png");
  std::filesystem::create_directories(dir / ".ipynb_checkpoints");
  EXPECT_THAT(list_image_folder(dir.str()).class_names, ElementsAre("a"));
  EXPECT_THROW(list_image_folder(dir.str(), {.include_hidden = true}), DataError);  // hidden folder is empty
}

TEST(ImageFolder, SymlinkedFoldersAreFollowedOnlyWhenAsked) {
  ImageTempDir dir;
  touch(dir / "elsewhere/x.png");
  touch(dir / "a/1.png");
  std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "a/link");
  EXPECT_EQ(list_image_folder(dir.str(), {.classes = {"a"}}).size(), 1);
  EXPECT_EQ(list_image_folder(dir.str(), {.classes = {"a"}, .follow_links = true}).size(), 2);
}

TEST(ImageFolder, MissingDirectoryOrNoClassesIsAnError) {
  ImageTempDir dir;
  try {
    list_image_folder(dir / "nope");
    ADD_FAILURE() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(dir / "nope"), HasSubstr("does not exist")));
  }
  touch(dir / "flat.png");
  try {
    list_image_folder(dir.str());
    ADD_FAILURE() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("no sub-folders"), HasSubstr("Hint:")));
  }
}

TEST(ImageFolder, ExtensionsAreCaseInsensitive) {
  EXPECT_TRUE(has_image_extension("A.JPEG"));
  EXPECT_TRUE(has_image_extension("x.Tiff"));
  EXPECT_FALSE(has_image_extension("x.gif"));
  EXPECT_FALSE(has_image_extension("jpg"));
  EXPECT_TRUE(has_image_extension("x.gif", {"gif"}));
}

TEST(ImageList, SubsetKeepsClassNames) {
  const ImageList list{{"a", "b", "c"}, {0, 1, 1}, {"x", "y"}};
  const std::vector<int64_t> pick = {2, 0};
  const ImageList sub = list.subset(pick);
  EXPECT_THAT(sub.paths, ElementsAre("c", "a"));
  EXPECT_THAT(sub.labels, ElementsAre(1, 0));
  EXPECT_EQ(sub.num_classes(), 2);
  const std::vector<int64_t> bad = {3};
  EXPECT_THROW(list.subset(bad), ConfigError);
}

}  // namespace
}  // namespace petal
