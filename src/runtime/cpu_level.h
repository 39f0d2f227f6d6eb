// The instruction-set level petal's own vectorised loops run at: the highest the
// CPU has, capped like oneDNN's kernels (ONEDNN_MAX_CPU_ISA), so that capping
// the ISA to try an AVX2 machine's paths on a bigger one covers petal's loops too.
#pragma once

#include <string>

namespace petal::detail {

// Baseline: x86-64 (SSE2); Avx2: x86-64-v3 (AVX2, FMA, BMI2); Avx512:
// x86-64-v4 (AVX-512 F, BW, CD, DQ, VL; oneDNN's avx512_core).
enum class CpuLevel { Baseline, Avx2, Avx512 };

// Whether this CPU can run code built for `level` (whatever the cap).
bool cpu_has(CpuLevel level);
// The level to run at: the CPU's highest, at most oneDNN's effective ISA.
CpuLevel cpu_level();
std::string level_name(CpuLevel level);

}  // namespace petal::detail
