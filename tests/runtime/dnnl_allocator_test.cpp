// oneDNN's own heap buffers (its GEMM driver's packing buffers) come from
// petal's pool and are reused: repeated calls allocate nothing new.
#include "runtime/dnnl_allocator.h"

#include <gtest/gtest.h>

#include <oneapi/dnnl/dnnl.h>

#include <vector>

namespace petal::detail {
namespace {

void sgemm(int64_t n, std::vector<float>& a, std::vector<float>& b, std::vector<float>& c) {
  ASSERT_EQ(dnnl_sgemm('N', 'N', n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n), dnnl_success);
}

TEST(DnnlAllocator, GemmBuffersComeFromThePoolAndAreReused) {
  ASSERT_TRUE(install_dnnl_allocator()) << "the pool must serve libdnnl on x86-64 Linux";
  const int64_t n = 512;
  std::vector<float> a(n * n, 0.5f), b(n * n, 2.0f), c(n * n, 0.0f);
  // Warm up until the pool stops growing: threads that happen to overlap their
  // allocate/free pairs need one block each, which a first call may not show.
  DnnlPoolStats warm = dnnl_pool_stats();
  for (int calls = 0, quiet = 0; calls < 40 && (calls < 10 || quiet < 5); ++calls) {
    sgemm(n, a, b, c);
    const DnnlPoolStats now = dnnl_pool_stats();
    quiet = now.fresh == warm.fresh ? quiet + 1 : 0;
    warm = now;
  }
  EXPECT_GT(warm.blocks, 0u) << "oneDNN's GEMM packing buffers did not come from the pool";
  for (int i = 0; i < 3; ++i) sgemm(n, a, b, c);
  const DnnlPoolStats after = dnnl_pool_stats();
  EXPECT_EQ(after.fresh, warm.fresh) << "repeated GEMMs allocated new blocks";
  // Below AVX2 oneDNN keeps its GEMM buffers between calls (nothing to reuse),
  // so the pool's size, not its reuse count, is what holds on every ISA.
  EXPECT_EQ(after.blocks, warm.blocks);
  EXPECT_EQ(after.bytes, warm.bytes);
  EXPECT_FLOAT_EQ(c[0], 512.0f);  // results unchanged: 512 * 0.5 * 2
  EXPECT_TRUE(install_dnnl_allocator());  // idempotent
}

}  // namespace
}  // namespace petal::detail
