// libFuzzer target: decode_npy and every conversion of what it accepts.
#include <span>

#include "fuzz_util.h"
#include "petal/core/error.h"
#include "petal/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const petal::NpyArray a = petal::decode_npy(std::span(reinterpret_cast<const std::byte*>(data), size), "fuzz");
    if (a.size() <= (1 << 16)) {
      (void)a.to_tensor();
      (void)a.to_float64();
      try {
        (void)a.to_int64();
        (void)a.to_string();
      } catch (const petal::Error&) {
      }
      (void)petal::encode_npy(a);
    }
  } catch (const petal::Error&) {
  }
  return 0;
}
