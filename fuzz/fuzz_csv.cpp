// libFuzzer target: the CSV readers: CsvImageReader (pixel rows, the tutorial's
// layout, class names from the file) and read_history_csv.
#include "fuzz_util.h"
#include "petal/core/error.h"
#include "petal/data/csv_images.h"
#include "petal/report/history_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = petal::fuzzing::write_input(data, size, ".csv");
  try {
    petal::CsvImageReader reader(path.string(), {.batch_size = 2, .image_size = {2, 2}, .channels = 3,
                                                 .mode = petal::CsvMode::Eval});
    (void)reader.read_all();
  } catch (const petal::Error&) {
  }
  try {
    (void)petal::read_history_csv(path);
  } catch (const petal::Error&) {
  }
  return 0;
}
