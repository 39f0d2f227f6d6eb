// reorder_floats: one oneDNN reorder on a fresh CPU engine.
#include "testing/dnnl_reorder.h"

#include <limits>

namespace petal::testing {

std::vector<float> reorder_floats(const std::vector<float>& from, const detail::memory::desc& from_md,
                                  const detail::memory::desc& to_md) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  std::vector<float> to(to_md.get_size() / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  detail::memory src(from_md, engine, const_cast<float*>(from.data())), dst(to_md, engine, to.data());
  dnnl::stream s(engine);
  dnnl::reorder(src, dst).execute(s, src, dst);
  s.wait();
  return to;
}

}  // namespace petal::testing
