// Writes the tutorial preset's split of a data set as NumPy arrays, so that an
// independent implementation (benchmarks/torch_tutorial.py) trains on exactly the
// images petal's tutorial run with the same seed trains and is tested on:
//
//   export_split DATA_DIR SEED OUT_DIR
//
// OUT_DIR gets train_x.npy and test_x.npy (float32 [N, H, W, 3], pixels 0..255, in
// the order petal's generator reads them), train_y.npy and test_y.npy (one-hot
// float32 [N, K]) and classes.txt (one class name per line).
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "tutorial_split.h"
#include "petal/io/npy.h"

int main(int argc, char** argv) {
  using namespace petal;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR SEED OUT_DIR\n", argv[0]);
    return 2;
  }
  try {
    const Dataset d = load_dataset(tutorial_split(argv[1], std::stoull(argv[2])));
    const std::filesystem::path out = argv[3];
    std::filesystem::create_directories(out);
    save_npy(out / "train_x.npy", NpyArray::from_tensor(d.train_x));
    save_npy(out / "train_y.npy", NpyArray::from_tensor(d.train_y));
    save_npy(out / "test_x.npy", NpyArray::from_tensor(d.test_x));
    save_npy(out / "test_y.npy", NpyArray::from_tensor(d.test_y));
    std::ofstream names(out / "classes.txt");
    for (const auto& n : d.class_names) names << n << '\n';
    if (!names) throw std::runtime_error("cannot write " + (out / "classes.txt").string());
    std::printf("%s: %lld train, %lld test images\n", out.c_str(), static_cast<long long>(d.num_train()),
                static_cast<long long>(d.num_test()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "export_split: %s\n", e.what());
    return 1;
  }
}
