// oneDNN's own heap buffers served from a recycling pool that petal owns, so that
// a warm training step allocates nothing whatever kernel oneDNN dispatches.
#pragma once

#include <cstddef>

namespace petal::detail {

// Why: primitives with a user scratchpad take their workspace from petal, but
// oneDNN 2.x's GEMM driver (Dense on AVX2 and older ISAs, gemm-based convolution
// backward below AVX2) allocates its packing and reduction buffers with
// posix_memalign on every call and offers no allocator hook. This redirects
// libdnnl's own calls to posix_memalign and free (its GOT entries; no other
// library is affected) to a pool that keeps page-or-larger blocks for reuse.
// Idempotent and thread-safe; PETAL_DNNL_ALLOCATOR=system leaves oneDNN alone.
// Returns whether the pool serves oneDNN.
bool install_dnnl_allocator();

struct DnnlPoolStats {
  size_t blocks = 0;       // blocks the pool holds (in use or free)
  size_t bytes = 0;        // their total size
  size_t fresh = 0;        // blocks allocated from the system since start
  size_t reused = 0;       // requests served by a free block
};
DnnlPoolStats dnnl_pool_stats();

}  // namespace petal::detail
