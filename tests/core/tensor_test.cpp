// Tensor value semantics, shapes and row operations.
#include "petal/core/tensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>

#include "petal/core/error.h"

namespace petal {
namespace {

using ::testing::HasSubstr;

TEST(Tensor, ZeroFilledWithShapeAndAlignment) {
  Tensor t({2, 3, 4});
  EXPECT_EQ(t.size(), 24);
  EXPECT_EQ(t.rank(), 3);
  EXPECT_EQ(t.dim(-1), 4);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
  for (float v : t.values()) EXPECT_EQ(v, 0.0f);
}

TEST(Tensor, CopyIsDeepMoveEmptiesSource) {
  Tensor a({2, 2}, {1, 2, 3, 4});
  Tensor b = a;
  b[0] = 10;
  EXPECT_EQ(a[0], 1);
  Tensor c = std::move(a);
  EXPECT_EQ(c[3], 4);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented state
}

TEST(Tensor, AtUsesRowMajorOrderAndChecksBounds) {
  Tensor t({2, 3});
  t.at({1, 2}) = 5;
  EXPECT_EQ(t[5], 5);
  EXPECT_THROW(t.at({2, 0}), ShapeError);
  EXPECT_THROW(t.at({0}), ShapeError);
}

TEST(Tensor, SliceGatherConcatenate) {
  Tensor t({3, 2}, {0, 1, 2, 3, 4, 5});
  Tensor s = t.slice(1, 3);
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(s[0], 2);
  const int64_t rows[] = {2, 0};
  Tensor g = t.gather(rows);
  EXPECT_EQ(g[0], 4);
  EXPECT_EQ(g[3], 1);
  const Tensor parts[] = {s, g};
  Tensor c = concatenate(parts);
  EXPECT_EQ(c.shape(), (Shape{4, 2}));
  EXPECT_EQ(c[7], 1);
}

TEST(Tensor, BadShapesNameWhatWasExpected) {
  try {
    Tensor t({2, 2}, {1, 2, 3});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("[2, 2] needs 4 values; received 3"));
  }
  Tensor t({2, 3});
  EXPECT_THROW(t.reshaped({4, 2}), ShapeError);
  EXPECT_EQ(t.reshaped({3, 2}).shape(), (Shape{3, 2}));
}

}  // namespace
}  // namespace petal
