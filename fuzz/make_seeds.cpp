// Writes the seed corpus of every fuzz target into DIR/<target>/: small valid
// files made by petal's own writers, so the seeds follow the formats as they change.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fuzz_util.h"
#include "petal/app/train_config.h"
#include "petal/data/image_io.h"
#include "petal/io/npy.h"
#include "petal/io/npz.h"
#include "petal/layers/batch_normalization.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/pooling.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/sgd.h"
#include "petal/report/history_csv.h"

namespace fs = std::filesystem;
using namespace petal;

namespace {

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

void write_bytes(const fs::path& path, const std::vector<std::byte>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

Tensor ramp(Shape shape) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i % 7) - 3.0f;
  return t;
}

void npy_seeds(const fs::path& d) {
  write_bytes(d / "f32.npy", encode_npy(NpyArray::from_tensor(ramp({2, 3}))));
  const int64_t ints[] = {1, -2, 3, 40000};
  write_bytes(d / "i64.npy", encode_npy(NpyArray::from_int64({2, 2}, ints)));
  write_bytes(d / "text.npy", encode_npy(NpyArray::from_string("{\"a\": 1}")));
  const double one = 1.5;
  write_bytes(d / "scalar.npy", encode_npy(NpyArray::from_float64({}, std::span<const double>(&one, 1))));
}

void npz_seeds(const fs::path& d) {
  const NamedArrays arrays = {{"a", NpyArray::from_tensor(ramp({3}))}, {"dir/b:0", NpyArray::from_string("xy")}};
  save_npz(d / "stored.npz", arrays, false);
  save_npz(d / "deflated.npz", arrays, true);
}

void model_seeds(const fs::path& d) {
  Sequential cnn = fuzzing::seed_cnn();
  cnn.save(d / "cnn_sgd.petal");
  Sequential mlp({.seed = 2, .input_shape = {4}});
  mlp.add(Dense({.units = 3, .activation = "relu"}));
  mlp.add(Dense({.units = 2}));
  mlp.save(d / "mlp_uncompiled.petal");
  mlp.compile(Adam({.learning_rate = 0.01}), "mse");
  mlp.save(d / "mlp_adam.petal");
  // Descriptions alone: the target packs them with a model's weights (see fuzz_model_file.cpp).
  for (const char* name : {"cnn_sgd", "mlp_adam"}) {
    for (const auto& [member, array] : load_npz(d / (std::string(name) + ".petal"))) {
      if (member == "petal_model.json") write_text(d / (std::string(name) + ".json"), array.to_string());
    }
  }
}

void csv_seeds(const fs::path& d) {
  write_text(d / "pixels.csv", "cat,1,2,3,4,5,6,7,8,9,10,11,12\ndog,0,0,0,255,255,255,9,9,9,1,1,1\n"
                               "1,5,5,5,5,5,5,5,5,5,5,5,5.0\n");
  write_history_csv(d / "history.csv", {{"loss", {0.9, 0.5}}, {"val_loss", {1.0, std::nan("")}}}, {"loss", "val_loss"});
}

void config_seeds(const fs::path& d) {
  write_text(d / "recipe.json", train_config_to_json(recipe_config(), "{\"class_names\": [\"a\", \"b\"]}"));
  write_text(d / "small.json", "{\"data\": \"flowers\", \"out\": \"run\", \"epochs\": 3, \"image_size\": \"32x48\", "
                               "\"zoom_range\": [0.9, 1.1], \"brightness_range\": null, \"preset\": \"tutorial\"}");
}

void image_seeds(const fs::path& d) {
  Image img{5, 7, 3, std::vector<uint8_t>(5 * 7 * 3)};
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 37);
  for (const char* ext : {"png", "jpg", "bmp", "ppm", "tif", "webp"}) write_image((d / "img.").string() + ext, img);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds DIR\n";
    return 2;
  }
  const fs::path root = argv[1];
  const std::pair<const char*, void (*)(const fs::path&)> targets[] = {
      {"npy", npy_seeds},       {"npz", npz_seeds},       {"model_file", model_seeds},
      {"csv", csv_seeds},       {"config", config_seeds}, {"image_header", image_seeds}};
  for (const auto& [name, make] : targets) {
    fs::create_directories(root / name);
    make(root / name);
  }
  return 0;
}
