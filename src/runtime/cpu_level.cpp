// CPU levels from the CPU's feature flags and oneDNN's effective ISA.
#include "runtime/cpu_level.h"

#include <oneapi/dnnl/dnnl.hpp>

namespace petal::detail {

bool cpu_has(CpuLevel level) {
  __builtin_cpu_init();
  switch (level) {
    case CpuLevel::Baseline: return true;
    case CpuLevel::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
    case CpuLevel::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl");
  }
  return false;
}

CpuLevel cpu_level() {
  static const CpuLevel level = [] {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    // oneDNN's ISA values are bit sets: each includes the ones below it.
    const auto includes = [&](dnnl::cpu_isa i) { return (isa & static_cast<unsigned>(i)) == static_cast<unsigned>(i); };
    if (includes(dnnl::cpu_isa::avx512_core) && cpu_has(CpuLevel::Avx512)) return CpuLevel::Avx512;
    if (includes(dnnl::cpu_isa::avx2) && cpu_has(CpuLevel::Avx2)) return CpuLevel::Avx2;
    return CpuLevel::Baseline;
  }();
  return level;
}

std::string level_name(CpuLevel level) {
  switch (level) {
    case CpuLevel::Baseline: return "baseline";
    case CpuLevel::Avx2: return "avx2";
    case CpuLevel::Avx512: return "avx512";
  }
  return "unknown";
}

}  // namespace petal::detail
