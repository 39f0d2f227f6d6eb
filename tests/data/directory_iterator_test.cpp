// flow_from_directory: class indices and listing, y per class_mode, the per-class
// validation subset, seeded determinism (also through a Prefetcher), per-epoch
// reshuffle, the decode cache, on_error, and error messages.
#include "petal/data/directory_iterator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "image_fixtures.h"
#include "petal/core/error.h"
#include "petal/data/image_data_generator.h"
#include "petal/data/image_io.h"
#include "petal/data/prefetcher.h"

namespace petal {
namespace {

using image_testing::ImageTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr int64_t kH = 6, kW = 5;

// write_image into a folder created on demand.
void put_image(const std::string& path, const Image& image) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  write_image(path, image);
}

// root/<name>/<j>.png for j < n: pixel (y, x) is {40 * c + j, j, 8 * (5y + x)}: red
// names the file (c = the class's position in sorted order, given by the caller)
// and stays constant under augmentation; blue is a ramp that augmentation moves.
void write_class(const ImageTempDir& root, const std::string& name, int c, int n) {
  for (int j = 0; j < n; ++j) {
    const auto v = static_cast<uint8_t>(40 * c + j);
    const std::string path = root / (name + "/" + std::to_string(j) + ".png");
    put_image(path, image_testing::make_rgb(kH, kW, [&](int64_t y, int64_t x) {
                  return std::array<uint8_t, 3>{v, static_cast<uint8_t>(j),
                                                static_cast<uint8_t>(8 * (kW * y + x))};
                }));
  }
}

// Three classes, written out of order: a_dog (4 files), b_cat (3), c_eel (2).
void write_three_classes(const ImageTempDir& root) {
  write_class(root, "c_eel", 2, 2);
  write_class(root, "a_dog", 0, 4);
  write_class(root, "b_cat", 1, 3);
}

DirectoryFlowOptions plain(int64_t batch_size, ClassMode mode = ClassMode::Categorical) {
  return {.target_size = {kH, kW}, .class_mode = mode, .batch_size = batch_size, .seed = 11};
}

// The file code (40 * class + j) of each row of a batch.
std::vector<int> codes(const Tensor& x) {
  std::vector<int> out;
  for (int64_t r = 0; r < x.dim(0); ++r)
    out.push_back(static_cast<int>(std::lround(x[r * x.row_size()])));
  return out;
}

std::vector<int> epoch_codes(DirectoryIterator& it, int64_t epoch) {
  std::vector<int> all;
  for (int64_t i = 0; i < it.size(); ++i) {
    const auto c = codes(it.batch(epoch, i).x[0]);
    all.insert(all.end(), c.begin(), c.end());
  }
  return all;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::equal(a.values().begin(), a.values().end(), b.values().begin());
}

ImageDataGenerator tutorial_generator() {
  return ImageDataGenerator({.rotation_range = 20,
                             .width_shift_range = 0.2,
                             .height_shift_range = 0.2,
                             .shear_range = 0.15,
                             .zoom_range = 0.15,
                             .horizontal_flip = true});
}

TEST(FlowFromDirectory, ClassIndicesAreSortedAndFilesListedClassByClass) {
  ImageTempDir root;
  write_three_classes(root);
  image_testing::write_bytes(root / "b_cat/notes.txt", {'h', 'i'});
  std::filesystem::create_directories(root / ".ipynb_checkpoints");
  auto it = ImageDataGenerator().flow_from_directory(root.str(), plain(4));
  EXPECT_EQ(it->class_indices(),
            (std::map<std::string, int64_t>{{"a_dog", 0}, {"b_cat", 1}, {"c_eel", 2}}));
  EXPECT_EQ(it->samples(), 9);
  EXPECT_EQ(it->size(), 3);
  EXPECT_THAT(it->classes(), ElementsAre(0, 0, 0, 0, 1, 1, 1, 2, 2));
  EXPECT_EQ(it->filenames().front(), "a_dog/0.png");
  EXPECT_EQ(it->filenames().back(), "c_eel/1.png");
  EXPECT_EQ(it->filepaths().back(), root / "c_eel/1.png");
  EXPECT_EQ(it->image_shape(), (Shape{kH, kW, 3}));
}

TEST(FlowFromDirectory, YFollowsClassModeAndMatchesTheImages) {
  ImageTempDir root;
  write_three_classes(root);
  const ImageDataGenerator g;
  auto cat = g.flow_from_directory(root.str(), plain(4));
  const Batch last = cat->get(2);  // 9 = 4 + 4 + 1
  EXPECT_EQ(last.x[0].shape(), (Shape{1, kH, kW, 3}));
  for (int64_t i = 0; i < cat->size(); ++i) {
    const Batch b = cat->get(i);
    ASSERT_EQ(b.y[0].shape(), (Shape{b.x[0].dim(0), 3}));
    const auto c = codes(b.x[0]);
    for (int64_t r = 0; r < b.x[0].dim(0); ++r)
      for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(b.y[0][r * 3 + k], c[r] / 40 == k ? 1.f : 0.f);
  }
  auto sparse = g.flow_from_directory(root.str(), plain(4, ClassMode::Sparse));
  const Batch s = sparse->get(0);
  ASSERT_EQ(s.y[0].shape(), (Shape{4}));
  for (int64_t r = 0; r < 4; ++r) EXPECT_EQ(s.y[0][r], static_cast<float>(codes(s.x[0])[r] / 40));
  const Batch in = g.flow_from_directory(root.str(), plain(4, ClassMode::Input))->get(1);
  EXPECT_TRUE(same(in.x[0], in.y[0]));
  const Batch none = g.flow_from_directory(root.str(), plain(4, ClassMode::None))->get(1);
  EXPECT_EQ(none.x[0].dim(0), 4);
  EXPECT_TRUE(none.y[0].empty());

  auto two = plain(8, ClassMode::Binary);
  two.classes = {"c_eel", "a_dog"};  // label 0 = c_eel, 1 = a_dog
  auto bin = g.flow_from_directory(root.str(), two);
  EXPECT_EQ(bin->class_indices().at("a_dog"), 1);
  const Batch b = bin->get(0);
  ASSERT_EQ(b.y[0].shape(), (Shape{6, 1}));
  for (int64_t r = 0; r < 6; ++r) EXPECT_EQ(b.y[0][r], codes(b.x[0])[r] / 40 == 0 ? 1.f : 0.f);
}

TEST(FlowFromDirectory, ValidationSubsetIsTheFirstFractionOfEachClass) {
  ImageTempDir root;
  write_three_classes(root);
  const ImageDataGenerator g({.validation_split = 0.5});
  auto o = plain(20);
  o.shuffle = false;
  o.subset = Subset::Validation;  // int(0.5 * 4) = 2, int(0.5 * 3) = 1, int(0.5 * 2) = 1
  auto val = g.flow_from_directory(root.str(), o);
  EXPECT_THAT(val->filenames(), ElementsAre("a_dog/0.png", "a_dog/1.png", "b_cat/0.png",
                                            "c_eel/0.png"));
  EXPECT_THAT(codes(val->get(0).x[0]), ElementsAre(0, 1, 40, 80));
  o.subset = Subset::Training;
  auto train = g.flow_from_directory(root.str(), o);
  EXPECT_THAT(codes(train->get(0).x[0]), ElementsAre(2, 3, 41, 42, 81));
  EXPECT_EQ(train->class_indices().size(), 3u);
  EXPECT_THAT([&] { ImageDataGenerator().flow_from_directory(root.str(), o); },
              ThrowsMessage<ConfigError>(HasSubstr("subset='training' needs "
                                                   "ImageDataGeneratorOptions.validation_split")));
}

TEST(FlowFromDirectory, EveryFileOncePerEpochReshuffledEachEpoch) {
  ImageTempDir root;
  write_three_classes(root);
  auto it = ImageDataGenerator().flow_from_directory(root.str(), plain(4));
  const std::vector<int> all = {0, 1, 2, 3, 40, 41, 42, 80, 81};
  auto e0 = epoch_codes(*it, 0), e1 = epoch_codes(*it, 1);
  EXPECT_NE(e0, e1);
  EXPECT_NE(e0, all);
  std::sort(e0.begin(), e0.end());
  std::sort(e1.begin(), e1.end());
  EXPECT_EQ(e0, all);
  EXPECT_EQ(e1, all);

  auto o = plain(4);
  o.shuffle = false;
  auto ordered = ImageDataGenerator().flow_from_directory(root.str(), o);
  EXPECT_EQ(epoch_codes(*ordered, 0), all);
  EXPECT_EQ(epoch_codes(*ordered, 3), all);
}

// Every batch of two epochs through a Prefetcher, which calls on_epoch_end.
std::vector<Batch> prefetch_two_epochs(DirectoryIterator& it, int workers) {
  Prefetcher p(static_cast<Sequence&>(it), {.workers = workers, .max_queue_size = 3, .total = 2 * it.size()});
  std::vector<Batch> out;
  for (int64_t i = 0; i < 2 * it.size(); ++i) out.push_back(p.next());
  return out;
}

TEST(FlowFromDirectory, SeededBatchesAreTheSameWithOneOrThreeWorkers) {
  ImageTempDir root;
  write_three_classes(root);
  const ImageDataGenerator g = tutorial_generator();
  auto one = g.flow_from_directory(root.str(), plain(2));
  auto three = g.flow_from_directory(root.str(), plain(2));
  const std::vector<Batch> a = prefetch_two_epochs(*one, 1);
  const std::vector<Batch> b = prefetch_two_epochs(*three, 3);
  EXPECT_EQ(one->epoch(), 2);
  auto fresh = g.flow_from_directory(root.str(), plain(2));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(same(a[i].x[0], b[i].x[0])) << "batch " << i;
    EXPECT_TRUE(same(a[i].y[0], b[i].y[0])) << "batch " << i;
    const Batch direct = fresh->batch(static_cast<int64_t>(i) / fresh->size(),
                                      static_cast<int64_t>(i) % fresh->size());
    EXPECT_TRUE(same(a[i].x[0], direct.x[0])) << "batch " << i;
  }
  // Augmented: the same files in another epoch or under another seed look different.
  const Batch plain0 = ImageDataGenerator().flow_from_directory(root.str(), plain(2))->get(0);
  EXPECT_EQ(codes(plain0.x[0]), codes(a[0].x[0]));
  EXPECT_FALSE(same(plain0.x[0], a[0].x[0]));
  auto other = plain(2);
  other.seed = 12;
  EXPECT_FALSE(same(g.flow_from_directory(root.str(), other)->get(0).x[0], a[0].x[0]));
}

TEST(FlowFromDirectory, NextWalksTheEpochAndWraps) {
  ImageTempDir root;
  write_three_classes(root);
  auto it = ImageDataGenerator().flow_from_directory(root.str(), plain(4));
  for (int i = 0; i < 3; ++i) it->next();
  EXPECT_EQ(it->epoch(), 1);
  EXPECT_TRUE(same(it->next().x[0], it->batch(1, 0).x[0]));
}

TEST(FlowFromDirectory, SaveToDirWritesEveryAugmentedSample) {
  ImageTempDir root;
  write_three_classes(root);
  auto o = plain(4);
  o.save_to_dir = root / "saved";
  o.save_prefix = "aug";
  auto it = tutorial_generator().flow_from_directory(root.str(), o);
  EXPECT_EQ(it->samples(), 9);  // "saved" is not a class: it is created after listing
  const std::vector<int64_t> files = it->batch_indices(0, 1);
  it->get(1);
  std::set<std::string> names, want;
  for (const auto& e : std::filesystem::directory_iterator(root / "saved")) {
    const std::string n = e.path().filename().string();
    names.insert(n.substr(0, n.rfind('_')));
    EXPECT_EQ(e.path().extension(), ".png");
  }
  for (int64_t f : files) want.insert("aug_" + std::to_string(f));
  EXPECT_EQ(names, want);
}

TEST(FlowFromDirectory, LaterEpochsAreServedFromTheCache) {
  ImageTempDir root;
  write_three_classes(root);
  ImageCache cache;
  auto o = plain(4);
  o.cache = &cache;
  auto it = tutorial_generator().flow_from_directory(root.str(), o);
  EXPECT_EQ(it->cache(), &cache);
  epoch_codes(*it, 0);
  EXPECT_EQ(cache.stats().misses, 9);
  EXPECT_EQ(cache.stats().hits, 0);
  EXPECT_EQ(cache.stats().entries, 9);
  epoch_codes(*it, 1);
  EXPECT_EQ(cache.stats().misses, 9);
  EXPECT_EQ(cache.stats().hits, 9);

  // Auto: an own cache when 9 images of 6x5x3 bytes fit the budget; none otherwise.
  auto own = ImageDataGenerator().flow_from_directory(root.str(), plain(4));
  ASSERT_NE(own->cache(), nullptr);
  EXPECT_EQ(own->preload(2), 9);
  epoch_codes(*own, 0);
  EXPECT_EQ(own->cache()->stats().hits, 9);
  o = plain(4);
  o.cache_budget_bytes = 9 * kH * kW * 3 - 1;
  EXPECT_EQ(ImageDataGenerator().flow_from_directory(root.str(), o)->cache(), nullptr);
  o.cache_mode = CacheMode::On;
  EXPECT_NE(ImageDataGenerator().flow_from_directory(root.str(), o)->cache(), nullptr);
  o.cache_mode = CacheMode::Off;
  o.cache_budget_bytes = ImageCache::kDefaultBudgetBytes;
  auto off = ImageDataGenerator().flow_from_directory(root.str(), o);
  EXPECT_EQ(off->cache(), nullptr);
  EXPECT_THAT([&] { off->preload(); }, ThrowsMessage<ConfigError>(HasSubstr("needs a cache")));
}

TEST(FlowFromDirectory, OnErrorSkipLeavesACorruptFileOutAndReportsItOnce) {
  ImageTempDir root;
  write_three_classes(root);
  image_testing::write_bytes(root / "b_cat/zz_broken.png", {'n', 'o', 't', ' ', 'p', 'n', 'g'});
  std::vector<SkippedFile> reported;
  auto o = plain(5);
  o.on_error = OnError::Skip;
  o.on_skip = [&](const SkippedFile& s) { reported.push_back(s); };
  auto it = ImageDataGenerator().flow_from_directory(root.str(), o);
  EXPECT_EQ(it->samples(), 10);
  for (int64_t e = 0; e < 2; ++e) {
    std::vector<int> seen = epoch_codes(*it, e);
    std::sort(seen.begin(), seen.end());
    EXPECT_THAT(seen, ElementsAre(0, 1, 2, 3, 40, 41, 42, 80, 81));
  }
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].path, root / "b_cat/zz_broken.png");
  EXPECT_THAT(reported[0].reason, HasSubstr("zz_broken.png"));
  ASSERT_EQ(it->skipped().size(), 1u);

  o.on_error = OnError::Raise;
  o.shuffle = false;
  auto raise = ImageDataGenerator().flow_from_directory(root.str(), o);
  EXPECT_NO_THROW(raise->get(0));  // a_dog 0-3, b_cat 0
  EXPECT_THAT([&] { raise->get(1); },
              ThrowsMessage<DataError>(HasSubstr("zz_broken.png")));
}

TEST(FlowFromDirectory, BadDirectoriesAndOptionsThrow) {
  ImageTempDir root;
  write_three_classes(root);
  const ImageDataGenerator g;
  EXPECT_THAT([&] { g.flow_from_directory(root / "missing", plain(4)); },
              ThrowsMessage<DataError>(HasSubstr("missing'): expected a folder of class "
                                                 "sub-folders or the Flowers-17 archive; the "
                                                 "path does not exist")));
  EXPECT_THAT([&] { g.flow_from_directory(root.str(), plain(4, ClassMode::Binary)); },
              ThrowsMessage<ConfigError>(HasSubstr("class_mode 'binary' needs exactly 2 classes; "
                                                   "received 3 (a_dog, b_cat, c_eel)")));
  auto o = plain(0);
  EXPECT_THAT([&] { g.flow_from_directory(root.str(), o); },
              ThrowsMessage<ConfigError>(HasSubstr("batch_size must be >= 1")));
  o = plain(4);
  o.target_size = {0, 4};
  EXPECT_THAT([&] { g.flow_from_directory(root.str(), o); },
              ThrowsMessage<ConfigError>(HasSubstr("target_size must be positive")));
  o = plain(4);
  o.classes = {"a_dog", "zebra"};
  EXPECT_THAT([&] { g.flow_from_directory(root.str(), o); },
              ThrowsMessage<DataError>(HasSubstr("class 'zebra'")));
  EXPECT_THAT([] { parse_class_mode("onehot"); },
              ThrowsMessage<ConfigError>(HasSubstr("received 'onehot'")));
  EXPECT_EQ(parse_class_mode("sparse"), ClassMode::Sparse);
  const ImageDataGenerator featurewise({.featurewise_center = true});
  EXPECT_THAT([&] { featurewise.flow_from_directory(root.str(), plain(4)); },
              ThrowsMessage<StateError>(HasSubstr("fit() has not been called")));
}

TEST(FlowFromDirectory, ReadsTheFlowers17ArchiveLayout) {
  ImageTempDir root;
  // Archive labels: 1-80 daffodil, 81-160 snowdrop. Sorted: bluebell buttercup coltsfoot
  // cowslip crocus daffodil(5) daisy dandelion fritillary iris lilyvalley pansy snowdrop(12)...
  for (int number : {1, 2, 81}) {
    const std::string name = "jpg/image_000" + std::to_string(number) + ".jpg";
    put_image(root / (number < 10 ? name : "jpg/image_00" + std::to_string(number) + ".jpg"),
                image_testing::solid_rgb(kH, kW, static_cast<uint8_t>(number), 0, 0));
  }
  auto o = plain(4, ClassMode::Sparse);
  o.shuffle = false;
  auto it = ImageDataGenerator().flow_from_directory(root.str(), o);
  EXPECT_EQ(it->num_classes(), 17);
  EXPECT_THAT(it->classes(), ElementsAre(5, 5, 12));
  o.classes = {"snowdrop", "daffodil"};
  auto two = ImageDataGenerator().flow_from_directory(root.str(), o);
  EXPECT_THAT(two->classes(), ElementsAre(1, 1, 0));
  EXPECT_EQ(two->get(0).y[0].shape(), (Shape{3}));
}

}  // namespace
}  // namespace petal
