// What the CPU petal runs on offers: the instruction set oneDNN's kernels
// dispatch to (ONEDNN_MAX_CPU_ISA caps it), for logs, benchmarks and tests.
#pragma once

#include <string>

namespace petal {

// oneDNN's effective ISA: "avx512_core_bf16", "avx512_core", "avx2", "avx",
// "sse41", ... (the names ONEDNN_MAX_CPU_ISA takes, in lower case).
std::string kernel_isa();

// Whether oneDNN's kernels use 512-bit AVX-512 instructions on this machine.
bool kernel_isa_has_avx512();

}  // namespace petal
