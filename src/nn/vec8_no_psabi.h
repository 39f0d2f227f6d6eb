// For a .cpp whose own helpers take or return vec8 vectors (nn/vec8.h): they
// are always inlined, no call passes a vector, so the compilers' note that such
// an ABI depends on the target does not apply. Silences it for the rest of the
// including file.
#pragma once

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
