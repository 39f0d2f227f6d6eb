// flow(): batch layout, per-epoch order, determinism across threads and runs,
// validation subsets, standardization inside batches, and save_to_dir.
#include "petal/model/sequential.h"
#include "petal/data/numpy_array_iterator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <regex>
#include <tuple>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "petal/core/error.h"
#include "petal/data/image_data_generator.h"

namespace petal {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// n images 4x5x3 where every pixel of image i equals i; y[i] = {i, -i}.
std::pair<Tensor, Tensor> numbered(int64_t n) {
  Tensor x({n, 4, 5, 3}), y({n, 2});
  for (int64_t i = 0; i < n; ++i) {
    std::fill_n(x.data() + i * 60, 60, static_cast<float>(i));
    y[2 * i] = static_cast<float>(i);
    y[2 * i + 1] = static_cast<float>(-i);
  }
  return {x, y};
}

std::vector<int64_t> labels(const Batch& b) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < b.y[0].dim(0); ++i) out.push_back(static_cast<int64_t>(b.y[0][2 * i]));
  return out;
}

std::vector<int64_t> epoch_labels(NumpyArrayIterator& it) {
  std::vector<int64_t> all;
  for (int64_t i = 0; i < it.size(); ++i) {
    const auto l = labels(it.get(i));
    all.insert(all.end(), l.begin(), l.end());
  }
  return all;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::equal(a.values().begin(), a.values().end(),
                                              b.values().begin());
}

TEST(Flow, BatchCountPartialLastBatchAndRowsThatMatch) {
  auto [x, y] = numbered(10);
  Tensor sw({10});
  for (int i = 0; i < 10; ++i) sw[i] = 0.5f * i;
  auto it = ImageDataGenerator().flow(x, y, {.batch_size = 4, .seed = 1, .sample_weight = sw});
  ASSERT_EQ(it->size(), 3);
  EXPECT_EQ(it->get(0).x[0].shape(), (Shape{4, 4, 5, 3}));
  const Batch last = it->get(2);
  EXPECT_EQ(last.x[0].shape(), (Shape{2, 4, 5, 3}));
  EXPECT_EQ(last.y[0].shape(), (Shape{2, 2}));
  for (int64_t i = 0; i < 2; ++i) {  // x, y and sample_weight rows stay together
    EXPECT_EQ(last.x[0][i * 60], last.y[0][2 * i]);
    EXPECT_EQ(last.y[0][2 * i + 1], -last.y[0][2 * i]);
    EXPECT_EQ(last.sample_weight[i], 0.5f * last.y[0][2 * i]);
  }
  EXPECT_THAT([&] { it->get(3); },
              ThrowsMessage<ConfigError>(HasSubstr("an epoch has 3 batches")));
}

TEST(Flow, EverySampleOncePerEpochAndReshuffledEachEpoch) {
  auto [x, y] = numbered(10);
  auto it = ImageDataGenerator().flow(x, y, {.batch_size = 3, .seed = 7});
  const auto e0 = epoch_labels(*it);
  auto sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> all(10);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(sorted, all);
  EXPECT_NE(e0, all);  // shuffled (10! orders: identity by chance is negligible)
  it->on_epoch_end();
  const auto e1 = epoch_labels(*it);
  auto s1 = e1;
  std::sort(s1.begin(), s1.end());
  EXPECT_EQ(s1, all);
  EXPECT_NE(e1, e0);

  auto plain = ImageDataGenerator().flow(x, y, {.batch_size = 3, .shuffle = false});
  EXPECT_EQ(epoch_labels(*plain), all);
  plain->on_epoch_end();
  EXPECT_EQ(epoch_labels(*plain), all);
}

TEST(Flow, NextWalksBatchesAndWrapsIntoTheNextEpoch) {
  auto [x, y] = numbered(5);
  auto it = ImageDataGenerator().flow(x, y, {.batch_size = 2, .seed = 3});
  std::vector<int64_t> seen;
  for (int i = 0; i < 3; ++i) {
    const auto l = labels(it->next());
    seen.insert(seen.end(), l.begin(), l.end());
  }
  EXPECT_EQ(seen.size(), 5u);  // 2 + 2 + 1
  EXPECT_EQ(it->epoch(), 1);
  EXPECT_TRUE(same(it->next().x[0], it->batch(1, 0).x[0]));
}

ImageDataGenerator tutorial_generator() {
  return ImageDataGenerator({.rotation_range = 20,
                             .width_shift_range = 0.2,
                             .height_shift_range = 0.2,
                             .shear_range = 0.15,
                             .zoom_range = 0.15,
                             .horizontal_flip = true,
                             .rescale = 1.0 / 255});
}

Tensor ramp_images(int64_t n) {
  Tensor x({n, 16, 16, 3});
  for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 256);
  return x;
}

TEST(Flow, ConcurrentGetInAnyOrderMatchesSequentialAndReruns) {
  const Tensor x = ramp_images(37);
  const ImageDataGenerator g = tutorial_generator();
  auto seq = g.flow(x, {}, {.batch_size = 8, .seed = 99});
  std::vector<Tensor> want;
  for (int64_t i = 0; i < seq->size(); ++i) want.push_back(seq->get(i).x[0]);
  EXPECT_FALSE(same(want[0], seq->batch(1, 0).x[0]));  // another epoch, other transforms

  auto par = g.flow(x, {}, {.batch_size = 8, .seed = 99});
  std::vector<Tensor> got(want.size());
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&, t] {  // each thread walks all batches in its own order, twice
      for (int rep = 0; rep < 2; ++rep)
        for (int64_t k = 0; k < par->size(); ++k) {
          const int64_t i = (k * (2 * t + 1) + t) % par->size();
          Batch b = par->get(i);
          if (t == 0 && rep == 0) got[i] = std::move(b.x[0]);
          else EXPECT_TRUE(same(b.x[0], want[i])) << "batch " << i;
        }
    });
  for (auto& w : workers) w.join();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(same(got[i], want[i])) << i;

  auto other = g.flow(x, {}, {.batch_size = 8, .seed = 100});
  EXPECT_FALSE(same(other->get(0).x[0], want[0]));
}

TEST(Flow, ValidationSubsetIsTheFirstFraction) {
  Tensor x, y;  // not a structured binding: the lambdas below capture them
  std::tie(x, y) = numbered(10);
  for (int i = 0; i < 10; ++i) y[2 * i + 1] = static_cast<float>(i % 2);  // two classes
  const ImageDataGenerator g({.validation_split = 0.3});
  FlowOptions o{.batch_size = 20, .shuffle = false, .ignore_class_split = true};
  o.subset = Subset::Validation;
  EXPECT_EQ(epoch_labels(*g.flow(x, y, o)), (std::vector<int64_t>{0, 1, 2}));
  o.subset = Subset::Training;
  EXPECT_EQ(epoch_labels(*g.flow(x, y, o)), (std::vector<int64_t>{3, 4, 5, 6, 7, 8, 9}));

  // Keras refuses a split whose two sides hold different label sets.
  Tensor sorted_y({10, 1});
  for (int i = 0; i < 10; ++i) sorted_y[i] = i < 5 ? 0.f : 1.f;
  o.ignore_class_split = false;
  EXPECT_THAT([&] { g.flow(x, sorted_y, o); },
              ThrowsMessage<DataError>(HasSubstr("different sets of y values")));
  EXPECT_THAT([&] { ImageDataGenerator().flow(x, y, o); },
              ThrowsMessage<ConfigError>(HasSubstr("needs ImageDataGeneratorOptions."
                                                   "validation_split in (0, 1)")));
}

TEST(Flow, BatchesAreAugmentedThenStandardized) {
  auto [x, y] = numbered(6);
  const ImageDataGenerator g({.rescale = 0.5,
                              .preprocessing_function = [](Tensor& t) {
                                for (float& v : t.values()) v += 1;
                              }});
  const Batch b = g.flow(x, y, {.batch_size = 6, .seed = 5})->get(0);
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(b.x[0][i * 60 + 17], (b.y[0][2 * i] + 1) * 0.5f);
}

TEST(Flow, BadInputsThrow) {
  Tensor x, y;  // not a structured binding: the lambdas below capture them
  std::tie(x, y) = numbered(4);
  const ImageDataGenerator g;
  EXPECT_THAT([&] { g.flow(Tensor({4, 5, 3}), y); },
              ThrowsMessage<ShapeError>(HasSubstr("expected x of rank 4")));
  EXPECT_THAT([&] { g.flow(x, Tensor({3, 2})); },
              ThrowsMessage<DataError>(HasSubstr("y.shape = [3, 2]")));
  EXPECT_THAT([&] { g.flow(x, y, {.batch_size = 0}); },
              ThrowsMessage<ConfigError>(HasSubstr("batch_size must be >= 1; received 0")));
}

TEST(Flow, SaveToDirWritesOnePngPerSample) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("petal_flow_save_" + std::to_string(::getpid()) + "_" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  const Tensor x = ramp_images(5);
  auto it = tutorial_generator().flow(
      x, {}, {.batch_size = 5, .seed = 2, .save_to_dir = dir.string(), .save_prefix = "aug"});
  it->get(0);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  ASSERT_EQ(names.size(), 5u);
  std::set<std::string> indices;
  for (const auto& n : names) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(n, m, std::regex(R"(aug_(\d)_(\d+)\.png)"))) << n;
    indices.insert(m[1]);
    EXPECT_LT(std::stoi(m[2]), 10000);
    std::ifstream f(dir / n, std::ios::binary);
    std::string magic(8, '\0');
    f.read(magic.data(), 8);
    EXPECT_EQ(magic, std::string("\x89PNG\r\n\x1a\n", 8)) << n;
  }
  EXPECT_EQ(indices.size(), 5u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace petal
