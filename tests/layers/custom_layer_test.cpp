// A layer written outside the library (custom_scale_layer.h: installed headers
// only) passes the generic layer checks and trains inside a graph.
#include <gtest/gtest.h>

#include "layers/custom_scale_layer.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/model/model.h"
#include "petal/optimizers/sgd.h"
#include "testing/gradcheck.h"

namespace petal {
namespace {

TEST(CustomLayer, PassesTheFiniteDifferenceCheckAloneAndBehindABlockedLayout) {
  custom::ScaleShift alone;
  const testing::GradcheckResult r = testing::gradcheck(alone, {5});
  EXPECT_EQ(r.failure, "") << r.worst_where;
  // Behind a convolution (a blocked layout oneDNN chose) and before one.
  auto in = Input({6, 6, 3});
  auto x = Conv2D({.filters = 16, .padding = Padding::Same})(in);
  x = custom::ScaleShift()(x);
  x = Conv2D({.filters = 4, .padding = Padding::Same})(x);
  Model m(in, Dense({.units = 2})(GlobalAveragePooling2D()(x)), {.seed = 1});
  const testing::GradcheckResult g = testing::gradcheck_model(m, {.batch = 2});
  EXPECT_EQ(g.failure, "") << g.worst_where;
}

TEST(CustomLayer, TrainsInAModel) {
  auto in = Input({4});
  auto out = Dense({.units = 1})(custom::ScaleShift()(in));
  Model m(in, out, {.seed = 2});
  m.compile(SGD({.learning_rate = 0.05}), "mse");
  Tensor x({32, 4}), y({32, 1});
  Rng rng(3);
  for (float& v : x.values()) v = static_cast<float>(rng.uniform(-1, 1));
  for (int64_t i = 0; i < 32; ++i) y[i] = 2 * x.at({i, 0}) - x.at({i, 3}) + 0.5f;
  const History h = m.fit(x, y, {.batch_size = 8, .epochs = 30, .verbose = 0});
  EXPECT_LT(h.history.at("loss").back(), 0.05 * h.history.at("loss").front());
  EXPECT_EQ(m.weight_names()[0], "scale_shift_1/alpha:0");
}

}  // namespace
}  // namespace petal
