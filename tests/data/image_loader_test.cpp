// ImageCache and ImageLoader: caching, budget, threads, on_error policy, and the
// parallel loader's deterministic order.
#include "petal/data/image_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "data/image_fixtures.h"
#include "petal/core/error.h"

namespace petal {
namespace {

using image_testing::ImageTempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Writes n 6x4 PNGs; image i is a solid colour (i, 2i, 255 - i).
std::vector<std::string> write_solid_pngs(const ImageTempDir& dir, int n) {
  std::vector<std::string> paths;
  for (int i = 0; i < n; ++i) {
    paths.push_back(dir / ("img_" + std::to_string(i) + ".png"));
    const auto v = static_cast<uint8_t>(i);
    write_image(paths.back(), image_testing::solid_rgb(6, 4, v, static_cast<uint8_t>(2 * i), 255 - v));
  }
  return paths;
}

TEST(ImageCache, SecondDecodeIsAHitAndKeysIncludeTheOptions) {
  ImageTempDir dir;
  const auto paths = write_solid_pngs(dir, 1);
  ImageCache cache;
  EXPECT_EQ(cache.budget_bytes(), int64_t{1} << 30);
  const DecodeOptions small{.target_size = ImageSize{3, 2}};
  const auto a = cache.get_or_decode(paths[0], small);
  const auto b = cache.get_or_decode(paths[0], small);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(cache.find(paths[0], small).get(), a.get());
  const auto gray = cache.get_or_decode(paths[0], {.target_size = ImageSize{3, 2}, .color_mode = ColorMode::Grayscale});
  EXPECT_EQ(gray->channels, 1);
  EXPECT_EQ(cache.find(paths[0], {.target_size = ImageSize{3, 2}, .interpolation = Interpolation::Nearest}), nullptr);
  const ImageCacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 1);
  EXPECT_EQ(s.misses, 2);
  EXPECT_EQ(s.entries, 2);
  EXPECT_EQ(s.bytes, 3 * 2 * 3 + 3 * 2 * 1);
  EXPECT_FALSE(cache.full());
}

TEST(ImageCache, StopsStoringAtTheBudgetButStillDecodes) {
  ImageTempDir dir;
  const auto paths = write_solid_pngs(dir, 3);
  ImageCache cache(6 * 4 * 3 + 10);  // room for one 6x4 RGB image
  for (const auto& p : paths) EXPECT_EQ(cache.get_or_decode(p, {})->shape(), (Shape{6, 4, 3}));
  EXPECT_TRUE(cache.full());
  const ImageCacheStats s = cache.stats();
  EXPECT_EQ(s.entries, 1);
  EXPECT_EQ(s.rejected, 2);
  EXPECT_LE(s.bytes, cache.budget_bytes());
  EXPECT_NE(cache.find(paths[0], {}), nullptr);
  EXPECT_EQ(cache.find(paths[2], {}), nullptr);
  cache.clear();
  EXPECT_FALSE(cache.full());
  EXPECT_EQ(cache.bytes(), 0);
}

TEST(ImageCache, ManyThreadsShareOneCache) {
  ImageTempDir dir;
  const auto paths = write_solid_pngs(dir, 8);
  ImageCache cache;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = 0; i < paths.size(); ++i) {
          const auto img = cache.get_or_decode(paths[(i + static_cast<size_t>(t)) % paths.size()], {});
          const size_t k = (i + static_cast<size_t>(t)) % paths.size();
          if (img->at(0, 0, 0) != k || img->at(5, 3, 2) != 255 - k) ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  const ImageCacheStats s = cache.stats();
  EXPECT_EQ(s.entries, 8);
  EXPECT_EQ(s.hits + s.misses, 4 * 5 * 8);
  EXPECT_GE(s.hits, 4 * 5 * 8 - 4 * 8);  // at most one miss per thread per image
}

TEST(LoadImages, ParallelLoadKeepsInputOrder) {
  ImageTempDir dir;
  const auto paths = write_solid_pngs(dir, 13);
  for (int threads : {1, 3, 8}) {
    const LoadedImages out = load_images(paths, LoaderOptions{}, threads);
    ASSERT_EQ(out.x.shape(), (Shape{13, 6, 4, 3})) << threads;
    for (int i = 0; i < 13; ++i) {
      EXPECT_EQ(out.x.at({i, 0, 0, 0}), static_cast<float>(i)) << threads;
      EXPECT_EQ(out.x.at({i, 5, 3, 1}), static_cast<float>(2 * i)) << threads;
      EXPECT_EQ(out.x.at({i, 2, 1, 2}), static_cast<float>(255 - i)) << threads;
    }
    EXPECT_EQ(out.kept.size(), 13u);
    EXPECT_TRUE(out.skipped.empty());
  }
}

TEST(LoadImages, RaiseReportsTheFirstBadFileByIndex) {
  ImageTempDir dir;
  auto paths = write_solid_pngs(dir, 10);
  paths[7] = dir / "missing_7.png";
  paths[3] = dir / "missing_3.png";
  for (int threads : {1, 4}) {
    try {
      load_images(paths, LoaderOptions{}, threads);
      ADD_FAILURE() << "expected DataError";
    } catch (const DataError& e) {
      EXPECT_THAT(e.what(), HasSubstr("missing_3.png")) << threads;
    }
  }
}

TEST(LoadImages, SkipWarnsForEachFileAndCountsThem) {
  ImageTempDir dir;
  auto paths = write_solid_pngs(dir, 6);
  paths[1] = dir / "missing.png";
  image_testing::write_bytes(dir / "text.jpg", {'h', 'e', 'l', 'l', 'o'});
  paths[4] = dir / "text.jpg";
  std::vector<std::string> reported;
  ImageLoader loader({.on_error = OnError::Skip, .on_skip = [&](const SkippedFile& s) { reported.push_back(s.path); }});
  const LoadedImages out = load_images(paths, loader, 2);
  EXPECT_EQ(out.x.shape(), (Shape{4, 6, 4, 3}));
  EXPECT_EQ(out.kept, (std::vector<int64_t>{0, 2, 3, 5}));
  EXPECT_EQ(out.x.at({2, 0, 0, 0}), 3.0f);  // row 2 is input 3
  ASSERT_EQ(out.skipped.size(), 2u);
  EXPECT_EQ(out.skipped[0].path, paths[1]);
  EXPECT_THAT(out.skipped[0].reason, HasSubstr("does not exist"));
  EXPECT_EQ(out.skipped[1].path, paths[4]);
  EXPECT_THAT(out.skipped[1].reason, HasSubstr("expected an image file"));
  EXPECT_EQ(loader.skipped_count(), 2);
  EXPECT_EQ(reported.size(), 2u);
}

TEST(LoadImages, SkipWithoutCallbackWarnsOnStderr) {
  ImageTempDir dir;
  const std::vector<std::string> paths = {dir / "gone.png"};
  ::testing::internal::CaptureStderr();
  ImageLoader loader({.on_error = OnError::Skip});
  EXPECT_EQ(loader.load(paths[0]), nullptr);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, AllOf(HasSubstr("petal: skipped"), HasSubstr("gone.png")));
  EXPECT_EQ(loader.skipped_count(), 1);
}

TEST(LoadImages, AllSkippedGivesAnEmptyBatchOfTheTargetShape) {
  ImageTempDir dir;
  const std::vector<std::string> paths = {dir / "a.png", dir / "b.png"};
  ImageLoader loader({.decode = {.target_size = ImageSize{5, 7}}, .on_error = OnError::Skip,
                      .on_skip = [](const SkippedFile&) {}});
  const LoadedImages out = load_images(paths, loader, 2);
  EXPECT_EQ(out.x.shape(), (Shape{0, 5, 7, 3}));
  EXPECT_EQ(out.skipped.size(), 2u);
}

TEST(LoadImages, MixedSizesNeedATargetSize) {
  ImageTempDir dir;
  write_image(dir / "a.png", image_testing::solid_rgb(4, 4, 1, 2, 3));
  write_image(dir / "b.png", image_testing::solid_rgb(5, 4, 1, 2, 3));
  const std::vector<std::string> paths = {dir / "a.png", dir / "b.png"};
  try {
    load_images(paths, LoaderOptions{});
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("b.png"), HasSubstr("[4, 4, 3]"), HasSubstr("target_size")));
  }
  const LoadedImages out = load_images(paths, LoaderOptions{.decode = {.target_size = ImageSize{2, 3}}});
  EXPECT_EQ(out.x.shape(), (Shape{2, 2, 3, 3}));
}

TEST(LoadImages, LoaderGoesThroughTheCache) {
  ImageTempDir dir;
  const auto paths = write_solid_pngs(dir, 5);
  ImageCache cache;
  ImageLoader loader({.decode = {.target_size = ImageSize{2, 2}}, .cache = &cache});
  load_images(paths, loader, 2);
  load_images(paths, loader, 2);
  EXPECT_EQ(cache.stats().misses, 5);
  EXPECT_EQ(cache.stats().hits, 5);
}

TEST(OnErrorPolicy, ParsesNames) {
  EXPECT_EQ(parse_on_error("raise"), OnError::Raise);
  EXPECT_EQ(parse_on_error("skip"), OnError::Skip);
  EXPECT_THROW(parse_on_error("ignore"), ConfigError);
}

}  // namespace
}  // namespace petal
