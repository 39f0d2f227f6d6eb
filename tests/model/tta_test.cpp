// Horizontal-flip test-time augmentation: flip_left_right, predictions averaged
// with the mirror images', evaluate's loss and metrics on the averaged outputs
// (sample weights and the L2 penalty included), the generator and predict
// options, and non-image inputs refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "petal/core/error.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/model/sequential.h"
#include "petal/model/test_time_augmentation.h"
#include "petal/optimizers/sgd.h"
#include "testing/fixtures.h"

namespace petal {
namespace {

Sequential image_model() {
  Sequential m({.seed = 4, .input_shape = {5, 6, 2}});
  m.add(Conv2D({.filters = 3, .kernel_size = {2, 2}, .activation = "relu", .kernel_l2 = 0.01f}));
  m.add(Flatten());
  m.add(Dense({.units = 4, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.1}), "categorical_crossentropy", {"accuracy"});
  return m;
}

struct Data {
  Tensor x, y;
};

Data image_data(int64_t n) {
  Rng rng(6);
  Data d{Tensor({n, 5, 6, 2}), Tensor({n, 4})};
  for (float& v : d.x.values()) v = static_cast<float>(rng.uniform(-1, 1));
  for (int64_t i = 0; i < n; ++i) d.y.at({i, static_cast<int64_t>(rng.below(4))}) = 1;
  return d;
}

TEST(TestTimeAugmentation, FlipReversesColumnsOnly) {
  const Tensor x({1, 2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const Tensor f = flip_left_right(x);
  EXPECT_EQ(std::vector<float>(f.values().begin(), f.values().end()),
            (std::vector<float>{5, 6, 3, 4, 1, 2, 11, 12, 9, 10, 7, 8}));
  EXPECT_EQ(max_abs_diff(flip_left_right(f), x), 0.0f);
}

TEST(TestTimeAugmentation, PredictAveragesTheMirrorImages) {
  Sequential m = image_model();
  const Data d = image_data(7);
  const Tensor a = m.predict(d.x), b = m.predict(flip_left_right(d.x));
  const Tensor t = m.predict(d.x, {.batch_size = 3, .tta = true});
  ASSERT_EQ(t.shape(), a.shape());
  for (int64_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], 0.5f * (a[i] + b[i]), 1e-7f) << i;
  EXPECT_GT(max_abs_diff(t, a), 1e-4f);  // the model is not mirror-symmetric
  // Off: plain predict (TTA moves outputs by > 1e-4 above). Batches of 3 and of 7
  // may round differently (oneDNN blocks them differently: 3e-8 on AVX2).
  EXPECT_LT(max_abs_diff(m.predict(d.x, {.batch_size = 3}), a), 1e-6f);
}

TEST(TestTimeAugmentation, EvaluateScoresTheAveragedOutputs) {
  Sequential m = image_model();
  const Data d = image_data(8);
  Tensor w({8}, 1.0f);
  w[0] = 0.0f;
  w[3] = 2.0f;
  const Tensor p = m.predict(d.x, {.batch_size = 8, .tta = true});
  const Tensor per_sample = per_sample_loss(Loss::CategoricalCrossentropy, d.y, p);
  double sum = 0;
  for (int64_t i = 0; i < 8; ++i) sum += per_sample[i] * w[i];
  // The L2 penalty, as test_on_batch adds it: the difference of its loss and the plain loss.
  const Tensor plain = m.predict(d.x);
  const double penalty = m.test_on_batch(d.x, d.y).at("loss") -
                         weighted_loss(Loss::CategoricalCrossentropy, d.y, plain.data(), plain.shape(), {}, {},
                                       GradWrt::Output);
  EXPECT_GT(penalty, 0.0);
  const Logs got = m.evaluate(d.x, d.y, {.batch_size = 8, .sample_weight = w, .tta = true});
  EXPECT_NEAR(got.at("loss"), sum / 7.0 + penalty, 1e-5);
  EXPECT_NEAR(got.at("accuracy"), compute_metric(m.metrics()[0], d.y, p.data(), p.shape()), 1e-12);
}

class ArraySequence : public Sequence {
 public:
  explicit ArraySequence(Data d) : d_(std::move(d)) {}
  int64_t size() const override { return 2; }
  Batch get(int64_t i) override { return {d_.x.slice(i * 4, i * 4 + 4), d_.y.slice(i * 4, i * 4 + 4), {}}; }

 private:
  Data d_;
};

TEST(TestTimeAugmentation, GeneratorOptionsMatchTheArrayOnes) {
  Sequential m = image_model();
  const Data d = image_data(8);
  ArraySequence seq(d);
  const Tensor want = m.predict(d.x, {.batch_size = 4, .tta = true});
  EXPECT_LE(max_abs_diff(m.predict_generator(seq, {.workers = 0, .tta = true}), want), 1e-7f);
  EXPECT_NEAR(m.evaluate_generator(seq, {.workers = 0, .tta = true}).at("loss"),
              m.evaluate(d.x, d.y, {.batch_size = 4, .tta = true}).at("loss"), 1e-6);
}

TEST(TestTimeAugmentation, NonImageInputsAreRefused) {
  Sequential m = testing::toy_model(1);
  const testing::ToyData d = testing::toy_data(4, 1);
  try {
    m.predict(d.x, {.tta = true});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("expects a batch [N, H, W, C]; received [4, 4]"));
  }
  EXPECT_THROW(m.evaluate(d.x, d.y, {.tta = true}), ShapeError);
}

}  // namespace
}  // namespace petal
