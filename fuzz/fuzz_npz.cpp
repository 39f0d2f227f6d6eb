// libFuzzer target: decode_npz (ZIP stored and deflated members, CRC, .npy members).
#include <span>

#include "fuzz_util.h"
#include "petal/core/error.h"
#include "petal/io/npz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const petal::NamedArrays arrays =
        petal::decode_npz(std::span(reinterpret_cast<const std::byte*>(data), size), "fuzz");
    (void)petal::find_array(arrays, "petal_model.json", "fuzz");
  } catch (const petal::Error&) {
  }
  return 0;
}
