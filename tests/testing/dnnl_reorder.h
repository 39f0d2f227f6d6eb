// Data moved between oneDNN layouts by oneDNN's own reorder, for tests of
// petal's loops that read oneDNN's layouts.
#pragma once

#include <vector>

#include "runtime/dnnl_utils.h"

namespace petal::testing {

// `from` (laid out as from_md) in to_md's layout; oneDNN writes zeros into the padding.
std::vector<float> reorder_floats(const std::vector<float>& from, const detail::memory::desc& from_md,
                                  const detail::memory::desc& to_md);

}  // namespace petal::testing
