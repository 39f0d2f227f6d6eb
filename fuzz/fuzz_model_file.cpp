// libFuzzer target: load_model on a whole .petal file (archive, description
// schema, layer and optimizer construction, weights and optimizer state).
// An input starting "PK" is the file itself; any other input is taken as the
// description (petal_model.json) and packed with a small model's weight arrays,
// so that mutations reach the schema and the builders instead of dying on the
// archive's CRC-32.
#include <cstring>

#include "fuzz_util.h"
#include "petal/core/error.h"
#include "petal/io/npz.h"

namespace {

// The arrays of a small compiled model, without its description.
const petal::NamedArrays& weight_arrays() {
  static const petal::NamedArrays arrays = [] {
    petal::Sequential m = petal::fuzzing::seed_cnn();
    const auto path = petal::fuzzing::write_input(nullptr, 0, ".seed.petal");
    m.save(path);
    petal::NamedArrays all = petal::load_npz(path), out;
    for (auto& [name, a] : all) {
      if (name != "petal_model.json") out.emplace_back(name, std::move(a));
    }
    return out;
  }();
  return arrays;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::filesystem::path path;
  if (size >= 2 && std::memcmp(data, "PK", 2) == 0) {
    path = petal::fuzzing::write_input(data, size, ".petal");
  } else {
    petal::NamedArrays arrays = weight_arrays();
    arrays.emplace_back("petal_model.json",
                        petal::NpyArray::from_string(std::string_view(reinterpret_cast<const char*>(data), size)));
    path = petal::fuzzing::write_input(nullptr, 0, ".petal");
    petal::save_npz(path, arrays);
  }
  try {
    petal::Model m = petal::load_model(path);
    (void)m.summary();
  } catch (const petal::Error&) {
  }
  return 0;
}
