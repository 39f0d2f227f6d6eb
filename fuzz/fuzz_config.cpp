// libFuzzer target: the JSON config reader of `petal train --config` (and of
// --resume): read_config_file, resolve_train_config and validate.
#include "fuzz_util.h"
#include "petal/app/train_config.h"
#include "petal/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = petal::fuzzing::write_input(data, size, ".json");
  try {
    (void)petal::read_config_file(path.string());
    petal::TrainConfig c = petal::resolve_train_config({.config_file = path.string()});
    petal::validate(c);
    (void)petal::train_config_to_json(c);
  } catch (const petal::Error&) {
  }
  return 0;
}
