// End to end: a small CNN trained with fit_generator on a DirectoryIterator over
// generated two-class images (stripes along rows vs along columns) learns them.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <string>

#include "image_fixtures.h"
#include "petal/core/rng.h"
#include "petal/data/image_data_generator.h"
#include "petal/data/image_io.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/adam.h"

namespace petal {
namespace {

constexpr int64_t kSize = 12;

// write_image into a folder created on demand.
void put_image(const std::string& path, const Image& image) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  write_image(path, image);
}

// root/rows/<i>.png (bright rows) and root/cols/<i>.png (bright columns): stripes of
// period 4 at a random phase and tint, plus noise of +-30.
void write_stripes(const image_testing::ImageTempDir& root, int per_class) {
  Rng rng(5);
  for (int i = 0; i < per_class; ++i) {
    for (const std::string cls : {"rows", "cols"}) {
      const auto phase = static_cast<int64_t>(rng.below(4));
      const auto tint = static_cast<int>(rng.below(60));
      const Image img = image_testing::make_rgb(kSize, kSize, [&](int64_t y, int64_t x) {
        const int64_t t = (cls == "rows" ? y : x) + phase;
        std::array<uint8_t, 3> p{};
        for (auto& v : p) {
          const int base = (t % 4 < 2 ? 200 : 40) + tint;
          v = static_cast<uint8_t>(std::clamp(base + static_cast<int>(rng.below(61)) - 30, 0, 255));
        }
        return p;
      });
      put_image(root / (cls + "/" + std::to_string(i) + ".png"), img);
    }
  }
}

TEST(FlowFromDirectoryFit, SmallCnnLearnsStripeDirectionFromFiles) {
  image_testing::ImageTempDir root;
  write_stripes(root, 48);
  const ImageDataGenerator train_gen({.rotation_range = 10,
                                      .width_shift_range = 0.1,
                                      .horizontal_flip = true,
                                      .rescale = 1.0 / 255});
  auto train = train_gen.flow_from_directory(
      root.str(), {.target_size = {kSize, kSize}, .batch_size = 16, .seed = 3});
  ASSERT_EQ(train->class_indices().at("cols"), 0);

  // One compute thread: on a busy 2-core machine OpenMP's spinning team and the
  // prefetch workers would fight (10 s instead of 0.1 s); the maths is the same.
  const int threads_before = num_threads();
  set_num_threads(1);
  Sequential model({.seed = 1, .input_shape = {kSize, kSize, 3}});
  model.add(Conv2D({.filters = 6, .padding = Padding::Same, .activation = "relu"}));
  model.add(MaxPooling2D());
  model.add(Flatten());
  model.add(Dense({.units = 2, .activation = "softmax"}));
  model.compile(Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  // A DirectoryIterator is both a Sequence and a Generator: pick the Sequence overload.
  Sequence& seq = *train;
  const History h = model.fit_generator(seq, {.epochs = 6, .verbose = 0, .workers = 2});
  EXPECT_LT(h.at("loss").back(), h.at("loss").front());
  EXPECT_EQ(train->cache()->stats().misses, 96);  // decoded once, then cached

  const ImageDataGenerator plain({.rescale = 1.0 / 255});
  auto eval = plain.flow_from_directory(
      root.str(), {.target_size = {kSize, kSize}, .batch_size = 32, .shuffle = false});
  Sequence& eval_seq = *eval;
  const Logs logs = model.evaluate_generator(eval_seq);
  set_num_threads(threads_before);
  EXPECT_GT(logs.at("accuracy"), 0.9) << "loss " << logs.at("loss");
}

}  // namespace
}  // namespace petal
